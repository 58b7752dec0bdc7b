#!/usr/bin/env node
// `pnpm demo`: the whole system on one machine. Starts the mock SMS on a free loopback port with
// the bundled scenario (a dozen servers, commands released over time, faults, a short-lived
// token), real `sms-agent` processes for most servers with a demo handler that takes a while and
// sometimes fails, and the `sms-watch` UI on top. `q` in the UI ends everything: no process or
// port is left behind.
//
//   pnpm demo                          the live UI (q quits)
//   pnpm demo --duration 20s --json    headless for CI: prints a JSON summary and exits
//
// Exit code: 0 when the run worked and everything was cleaned up, 1 otherwise, 2 for bad options.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const MOCK_CLI = join(root, 'apps/mock-server/dist/node.js')
const AGENT_CLI = join(root, 'apps/agent/dist/cli.js')
const WATCH_CLI = join(root, 'apps/watch/dist/cli.js')
const SCENARIO = join(root, 'apps/watch/demo/scenario.json')
const HANDLER = join(root, 'apps/watch/demo/handler.mjs')

const SERVERS = [
  'web-01',
  'web-02',
  'web-03',
  'web-04',
  'db-01',
  'db-02',
  'db-03',
  'app-01',
  'app-02',
  'app-03',
  'cache-01',
  'report-01',
]
// cache-01 and report-01 get no agent: their commands stay pending, as on a server whose agent died.
const AGENT_SERVERS = SERVERS.slice(0, 10)
// app-03's agent uses a static token that the scenario expires after 15 s: it keeps failing with
// 401, as an agent with a revoked credential does. The others sign in to IAM and refresh.
const STATIC_TOKEN_SERVER = 'app-03'
const IAM_USER = 'demo-agent'
const IAM_PASSWORD = 'demo-agent-password'

// The options are a cli-kit table and the main is cli-kit's runner, as in every other CLI of the
// repo (--help, --version, --print-config, the error line, exit codes, a second signal).
const { runDemoCli } = await import('./demo-options.mjs')
/** The parsed options: set when the run starts. */
let options = { json: false, durationMs: undefined }
let interactive = false
let durationMs
const say = (text) => {
  if (!options.json) process.stderr.write(`demo: ${text}\n`)
}

const children = new Set()
/** Made when the run starts (not for --help). */
let stateDir
let adminToken
const stopEvents = new AbortController()
const counts = {
  enqueued: 0,
  delivered: new Set(),
  results: { success: 0, fail: 0 },
  rejected: 0,
  faults: {},
  authFailures: 0,
  tokensIssued: 0,
  tokensExpired: 0,
  /** Events that broke the core schema (none expected: the mock builds them from it). */
  malformed: 0,
}
const handled = { success: 0, fail: 0 }
const acknowledged = { count: 0 }
const agentUrls = []

/** Starts a child, remembers it, and resolves its exit. */
function start(file, args, { env = {}, stdio = ['ignore', 'pipe', 'pipe'], name }) {
  const child = spawn(file, args, {
    stdio,
    env: { ...process.env, ...env },
    cwd: root,
  })
  const record = {
    child,
    name,
    exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal))),
  }
  children.add(record)
  record.exited.then(() => children.delete(record))
  return record
}

function lines(stream, onLine) {
  if (!stream) return
  createInterface({ input: stream }).on('line', onLine)
}

async function startMock() {
  const mock = start(process.execPath, [MOCK_CLI, '--port', '0', '--scenario', SCENARIO], {
    env: { SMS_MOCK_ADMIN_TOKEN: adminToken },
    name: 'sms-mock',
  })
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('sms-mock did not start within 15 s')), 15_000)
    let first = true
    lines(mock.child.stdout, (line) => {
      if (!first) return
      first = false
      clearTimeout(timer)
      const match = /^sms-mock listening on (http:\/\/\S+)$/.exec(line)
      if (match) resolve(match[1])
      else reject(new Error(`unexpected first line from sms-mock: ${line.slice(0, 200)}`))
    })
    lines(mock.child.stderr, (line) => say(`sms-mock: ${line}`))
    mock.exited.then((code) => reject(new Error(`sms-mock exited (${code}) before listening`)))
  })
  return { ...mock, url }
}

/**
 * The mock's admin API through its own typed client (`@sms-command/mock-server/client`, built),
 * with the demo's admin token.
 */
async function mockAdmin(url) {
  const { createMockAdminClient } = await import(
    pathToFileURL(join(root, 'apps/mock-server/dist/client/index.js')).href
  )
  return createMockAdminClient(url, { adminToken })
}

/**
 * Counts the mock's events from the start for the summary, through core's SSE reader and event
 * schemas (the same ones the watch uses): `Last-Event-ID: 0` replays the mock's backlog, and a
 * reconnection resumes after the last event counted, so nothing is counted twice.
 */
async function followMockEvents(url) {
  const [{ followEventStream }, { parseMockEvent }] = await Promise.all([
    import(pathToFileURL(join(root, 'packages/core/dist/sse/index.js')).href),
    import(pathToFileURL(join(root, 'packages/core/dist/events/index.js')).href),
  ])
  const admin = await mockAdmin(url)
  await followEventStream({
    url: admin.eventsUrl(),
    headers: admin.headers,
    lastEventId: '0',
    signal: stopEvents.signal,
    onStatus: () => {},
    onMessage: (message) => {
      const parsed = parseMockEvent(message.data)
      if (!parsed.success) {
        if (message.event !== 'ready') counts.malformed++
        return
      }
      const event = parsed.event
      if (event.type === 'enqueue') counts.enqueued++
      else if (event.type === 'delivery')
        counts.delivered.add(`${event.serverId}#${event.command.seq}`)
      else if (event.type === 'result') counts.results[event.result]++
      else if (event.type === 'result-rejected') counts.rejected++
      else if (event.type === 'fault')
        counts.faults[event.fault.kind] = (counts.faults[event.fault.kind] ?? 0) + 1
      else if (event.type === 'auth-failure') counts.authFailures++
      else if (event.type === 'token' && event.reason === 'issued') counts.tokensIssued++
      else if (event.type === 'token' && event.reason === 'expired')
        counts.tokensExpired += Number(event.detail.count ?? 1)
    },
  })
}

function startAgent(mockUrl, serverId) {
  const args = [
    AGENT_CLI,
    '--endpoint',
    mockUrl,
    '--server-id',
    serverId,
    '--state-dir',
    join(stateDir, serverId),
    '--handler',
    HANDLER,
    '--handler-timeout',
    '20s',
    '--interval',
    '1s',
    '--first-poll-jitter',
    '1s',
    '--backoff-max',
    '5s',
    '--slow-retry',
    '5s',
    '--request-timeout',
    '5s',
    '--shutdown-grace',
    '2s',
    '--status-port',
    '0',
    '--log-format',
    'json',
    '--log-level',
    'info',
  ]
  const env = {}
  if (serverId === STATIC_TOKEN_SERVER) {
    env.SMS_TOKEN = 'demo-short-lived-token'
  } else {
    args.push('--iam-user', IAM_USER, '--iam-domain', 'demo', '--iam-endpoint', mockUrl)
    env.SMS_IAM_PASSWORD = IAM_PASSWORD
  }
  const agent = start(process.execPath, args, { env, name: `sms-agent ${serverId}` })
  lines(agent.child.stdout, (line) => {
    let event
    try {
      event = JSON.parse(line)
    } catch {
      return
    }
    if (event.event === 'status.listening' && typeof event.url === 'string')
      agentUrls.push(event.url)
    if (event.event === 'command.finish') handled[event.result === 'fail' ? 'fail' : 'success']++
    if (event.event === 'report.acknowledged') acknowledged.count++
  })
  lines(agent.child.stderr, () => {})
  return agent
}

/** Ends a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
async function stop(record, graceMs = 5_000) {
  if (record.child.exitCode !== null || record.child.signalCode !== null) return
  record.child.kill('SIGTERM')
  const timer = setTimeout(() => record.child.kill('SIGKILL'), graceMs)
  await record.exited
  clearTimeout(timer)
}

function portClosed(url) {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) })
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })
}

const pids = []
let cleaning
async function cleanUp() {
  cleaning ??= (async () => {
    const agents = [...children].filter((record) => record.name.startsWith('sms-agent'))
    // Agents first (they drain their handlers and outboxes, and those last reports still count),
    // then the event stream, the watch and the mock.
    await Promise.all(agents.map((record) => stop(record)))
    await new Promise((resolve) => setTimeout(resolve, 200))
    stopEvents.abort()
    await Promise.all([...children].map((record) => stop(record)))
    rmSync(stateDir, { recursive: true, force: true })
  })()
  return cleaning
}

/** The demo's work (cli-kit's runner calls it with the parsed options): resolves the exit code. */
async function runDemo(values, { signal }) {
  options = values
  interactive = !options.json && process.stdout.isTTY === true && process.stdin.isTTY === true
  durationMs = options.durationMs ?? (interactive ? undefined : 20_000)
  for (const file of [MOCK_CLI, AGENT_CLI, WATCH_CLI]) {
    if (!existsSync(file)) {
      process.stderr.write(`demo: ${file} is missing; build first (pnpm build)\n`)
      return 1
    }
  }
  stateDir = mkdtempSync(join(tmpdir(), 'sms-demo-'))
  adminToken = randomBytes(16).toString('hex')
  // The first signal stops everything cleanly (a second one: cli-kit's runner exits at once).
  let interrupted = false
  signal.addEventListener('abort', () => {
    interrupted = true
    say(`${signal.reason}: stopping everything`)
    void cleanUp()
  })

  const startedAt = Date.now()
  let mock
  let watchLines = 0
  let exitCode = 0
  try {
    say('starting the mock SMS…')
    mock = await startMock()
    pids.push(mock.child.pid)
    say(`mock on ${mock.url}; starting ${AGENT_SERVERS.length} agents…`)
    void followMockEvents(mock.url)
    for (const serverId of AGENT_SERVERS) pids.push(startAgent(mock.url, serverId).child.pid)

    // A token expiry a few seconds in: every IAM token issued so far stops working; the agents
    // get 401, refresh their token once and carry on (app-03's static token expires by itself).
    const expiry = setTimeout(
      () => {
        mockAdmin(mock.url)
          .then((admin) => admin.expireTokens({ kind: 'issued' }))
          .catch(() => {})
      },
      Math.max(3_000, Math.min(8_000, (durationMs ?? 60_000) * 0.4)),
    )

    // Wait (up to 10 s on a loaded machine) for the agents' status ports, so the watch follows
    // every agent too; one that is slower still is left out rather than holding the demo.
    for (let i = 0; i < 200 && agentUrls.length < AGENT_SERVERS.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const watchArgs = [WATCH_CLI, '--mock', mock.url]
    if (agentUrls.length > 0) watchArgs.push('--agent', agentUrls.join(','))
    if (interactive) {
      if (durationMs !== undefined) watchArgs.push('--duration', `${durationMs}ms`)
      const watch = start(process.execPath, watchArgs, {
        env: { SMS_MOCK_ADMIN_TOKEN: adminToken },
        stdio: 'inherit',
        name: 'sms-watch',
      })
      pids.push(watch.child.pid)
      const code = await watch.exited
      if (code !== 0) exitCode = 1
    } else {
      say(`running headless for ${durationMs / 1000} s…`)
      watchArgs.push('--json', '--duration', `${durationMs}ms`)
      const watch = start(process.execPath, watchArgs, {
        env: { SMS_MOCK_ADMIN_TOKEN: adminToken },
        name: 'sms-watch',
      })
      pids.push(watch.child.pid)
      lines(watch.child.stdout, () => watchLines++)
      lines(watch.child.stderr, (line) => say(`sms-watch: ${line}`))
      const code = await watch.exited
      if (code !== 0) exitCode = 1
    }
    clearTimeout(expiry)
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`)
    exitCode = 1
  } finally {
    await cleanUp()
  }

  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  })
  const portReleased = mock ? await portClosed(mock.url) : true
  if (alive.length > 0 || !portReleased) exitCode = 1
  const faults = Object.values(counts.faults).reduce((sum, count) => sum + count, 0)
  const summary = {
    ok: exitCode === 0,
    duration_ms: Date.now() - startedAt,
    servers: SERVERS.length,
    agents: AGENT_SERVERS.length,
    commands_enqueued: counts.enqueued,
    commands_delivered: counts.delivered.size,
    commands_handled: handled.success + handled.fail,
    handled_success: handled.success,
    handled_fail: handled.fail,
    results_reported: counts.results.success + counts.results.fail,
    results_acknowledged: acknowledged.count,
    results_rejected: counts.rejected,
    faults_injected: faults,
    faults_by_kind: counts.faults,
    auth_failures: counts.authFailures,
    tokens_issued: counts.tokensIssued,
    tokens_expired: counts.tokensExpired,
    events_malformed: counts.malformed,
    watch_lines: interactive ? undefined : watchLines,
    pids,
    processes_left: alive.length,
    port_released: portReleased,
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`)
  } else {
    process.stdout.write(
      [
        '',
        `sms demo: ${Math.round(summary.duration_ms / 1000)} s, ${summary.servers} servers, ${summary.agents} agents`,
        `  commands enqueued ${summary.commands_enqueued}, delivered ${summary.commands_delivered}, handled ${summary.commands_handled} (${summary.handled_success} ok, ${summary.handled_fail} failed), results reported ${summary.results_reported}`,
        `  faults injected ${summary.faults_injected}, auth failures ${summary.auth_failures}, IAM tokens issued ${summary.tokens_issued}, expired ${summary.tokens_expired}`,
        `  processes left ${summary.processes_left}, port released ${summary.port_released ? 'yes' : 'NO'}`,
        '',
      ].join('\n'),
    )
  }
  return interrupted ? 130 : exitCode
}

await runDemoCli(runDemo)
