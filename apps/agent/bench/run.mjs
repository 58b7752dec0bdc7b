#!/usr/bin/env node
// Agent benchmark: for Node, Bun and Deno, the time from process start to the first poll, the
// resident memory after 10,000 polls and the CPU time per poll, polling a local mock as fast as it
// can (--interval 0ms); then the CPU time per poll at a steady 50 ms cadence, where every poll
// starts cold. Each figure is printed next to a baseline measured in the same run: a bare fetch
// loop on the same runtime (bench/bare-poll.mjs). Linux only (reads /proc).
//
//   pnpm --filter @sms-command/agent bench      (POLLS=10000, PACED_POLLS=200 by default)
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const agentDir = join(here, '..')
const require = createRequire(import.meta.url)
const POLLS = Number(process.env.POLLS ?? 10_000)
const PACED_POLLS = Number(process.env.PACED_POLLS ?? 200)
const PACE_MS = 50
const IDLE = JSON.stringify({ command_name: '', command_param: {} })

if (process.platform !== 'linux') {
  console.error('bench: reads /proc, so it runs on Linux only')
  process.exit(1)
}
if (!existsSync(join(agentDir, 'dist', 'cli.js'))) {
  console.error('bench: build first (pnpm --filter @sms-command/agent build)')
  process.exit(1)
}

const binaries = {
  node: process.execPath,
  bun: join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe'),
  deno: join(dirname(require.resolve('deno/package.json')), 'deno'),
}
const ticksPerSecond = 100 // USER_HZ on Linux

/** utime + stime of a process, in ms. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN)
  return kb / 1024
}

/**
 * Starts `argv`, answers its polls with "idle" and measures: time to the first poll, CPU per poll
 * between poll `warmup` and poll `polls`, RSS at poll `polls`. Then kills it.
 */
async function measure(argv, env, polls_ = POLLS) {
  const POLLS = polls_
  const WARMUP = Math.min(1_000, Math.floor(POLLS / 10))
  let polls = 0
  let firstPollMs
  let cpuAtWarmup
  let resolveDone
  let child
  const spawnedAt = performance.now()
  const done = new Promise((resolve) => {
    resolveDone = resolve
  })
  const server = createServer((request, response) => {
    polls++
    if (polls === 1) firstPollMs = performance.now() - spawnedAt
    if (polls === WARMUP) cpuAtWarmup = cpuMs(child.pid)
    if (polls === POLLS) {
      const result = {
        firstPollMs,
        rssMb: rssMb(child.pid),
        cpuPerPollMs: (cpuMs(child.pid) - cpuAtWarmup) / (POLLS - WARMUP),
      }
      resolveDone(result)
    }
    request.resume()
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(IDLE)
  })
  server.keepAliveTimeout = 60_000
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const base = `http://127.0.0.1:${server.address().port}`
  const [file, ...args] = argv(base)
  child = spawn(file, args, {
    cwd: agentDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (chunk) => {
    stderr += chunk
  })
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const result = await Promise.race([
    done,
    exited.then(() => {
      throw new Error(`${file} exited after ${polls} polls: ${stderr}`)
    }),
  ])
  child.kill('SIGKILL')
  await exited
  await new Promise((resolve) => server.close(resolve))
  return result
}

const cli = { node: join(agentDir, 'dist', 'cli.js'), src: join(agentDir, 'src', 'cli.ts') }
const bare = join(here, 'bare-poll.mjs')

async function agentRun(runtime, interval = '0ms', polls = POLLS) {
  const stateDir = await mkdtemp(join(tmpdir(), `agent-bench-${runtime}-`))
  const flags = (base) => [
    '--endpoint',
    base,
    '--server-id',
    'bench',
    '--state-dir',
    stateDir,
    '--interval',
    interval,
    '--first-poll-jitter',
    '0ms',
    '--log-level',
    'warn',
  ]
  const argv = (base) => {
    if (runtime === 'node') return [binaries.node, cli.node, ...flags(base)]
    if (runtime === 'bun') return [binaries.bun, cli.src, ...flags(base)]
    return [
      binaries.deno,
      'run',
      '--quiet',
      '--allow-net=127.0.0.1',
      `--allow-read=${stateDir}`,
      `--allow-write=${stateDir}`,
      '--allow-env=SMS_*',
      cli.src,
      ...flags(base),
    ]
  }
  return measure(argv, { SMS_TOKEN: 'bench-token' }, polls)
}

async function bareRun(runtime, pauseMs = 0, polls = POLLS) {
  const args = (base) => [bare, base, String(polls + 10), String(pauseMs)]
  const argv = (base) =>
    runtime === 'deno'
      ? [binaries.deno, 'run', '--quiet', '--allow-net=127.0.0.1', ...args(base)]
      : [binaries[runtime], ...args(base)]
  return measure(argv, {}, polls)
}

const format = (value, unit, digits = 1) => `${value.toFixed(digits)} ${unit}`
const rows = []
console.log(
  `sms-agent bench: ${POLLS} idle polls flat out (--interval 0ms), then ${PACED_POLLS} at a ${PACE_MS} ms cadence; baseline in brackets: a bare fetch loop on the same runtime`,
)
for (const runtime of (process.env.RUNTIMES ?? 'node,bun,deno').split(',')) {
  if (!existsSync(binaries[runtime])) {
    console.log(`${runtime}: not installed, skipped`)
    continue
  }
  const baseline = await bareRun(runtime)
  const agent = await agentRun(runtime)
  const pacedBaseline = await bareRun(runtime, PACE_MS, PACED_POLLS)
  const paced = await agentRun(runtime, `${PACE_MS}ms`, PACED_POLLS)
  rows.push({ runtime, agent, baseline, paced, pacedBaseline })
  console.log(
    `${runtime.padEnd(5)} start→first poll ${format(agent.firstPollMs, 'ms', 0).padStart(6)} [${format(baseline.firstPollMs, 'ms', 0)}]` +
      ` | RSS after ${POLLS} polls ${format(agent.rssMb, 'MB').padStart(8)} [${format(baseline.rssMb, 'MB')}]` +
      ` | CPU/poll ${format(agent.cpuPerPollMs, 'ms', 3)} [${format(baseline.cpuPerPollMs, 'ms', 3)}]` +
      ` | CPU/poll at ${PACE_MS} ms ${format(paced.cpuPerPollMs, 'ms', 2)} [${format(pacedBaseline.cpuPerPollMs, 'ms', 2)}]`,
  )
}

const node = rows.find((row) => row.runtime === 'node')
if (node) {
  const cpuRatio = node.paced.cpuPerPollMs / node.pacedBaseline.cpuPerPollMs
  const rssOver = node.paced.rssMb - node.pacedBaseline.rssMb
  const cpuGoal = rows.every((row) => row.agent.cpuPerPollMs < 1)
  console.log(
    `goals (Node): CPU per poll at a ${PACE_MS} ms cadence at most 1.3x the bare loop: ${cpuRatio <= 1.3 ? 'met' : 'MISSED'} (${cpuRatio.toFixed(2)}x: ${format(node.paced.cpuPerPollMs, 'ms', 2)} vs ${format(node.pacedBaseline.cpuPerPollMs, 'ms', 2)}); ` +
      `RSS at that cadence within 10 MB of the bare loop: ${rssOver <= 10 ? 'met' : 'MISSED'} (${rssOver >= 0 ? '+' : ''}${format(rssOver, 'MB')}: ${format(node.paced.rssMb, 'MB')} vs ${format(node.pacedBaseline.rssMb, 'MB')}); ` +
      `CPU per poll flat out < 1 ms on every runtime: ${cpuGoal ? 'met' : 'MISSED'}`,
  )
}
