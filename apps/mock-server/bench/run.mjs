#!/usr/bin/env node
// Benchmark of the mock (pnpm --filter @sms-command/mock-server bench [-- options]).
//
// Throughput: `wrk -t1 -c32 -d5s` (Debian package `wrk`) against `GET /v3/sources/bench/command`
// with a static token checked and the journal on, and in the same script against a bare server
// of the same runtime answering the same JSON (node:http, Bun.serve, Deno.serve). The two are
// run alternately, round after round, so that neither gets a quieter machine; every round's
// ratio is printed, then the median. wrk is a C client that takes less CPU than the server, so
// on a small machine the server, not the client, is what saturates (autocannon did not). Where
// /proc exists, each run also reads the server's CPU time: bare/mock CPU µs per request is the
// mock's own cost even when other processes take the machine's cores.
//   --runtimes node,bun,deno   which runtimes (default all three)
//   --rounds N                 bare/mock pairs per runtime (default 3)
//   --duration S               seconds per wrk run (default 5)
//   --connections N            wrk connections (default 32)
//   --with-hono                also, on Node: a minimal Hono app on @hono/node-server, and the
//                              mock behind Hono's router with its requestId() and bodyLimit()
//                              middleware (bench/mock-via-hono.mjs): what Hono on the SMS hot
//                              path would cost, measured in the same rounds
// --rss: sends 1,000,000 requests (--requests N) to the mock on each runtime of --runtimes with
// wrk, sampling its RSS every 2 s, to show that memory stays flat (journal, events and results
// are bounded).
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
// The admin API through the mock's own client (built, as the Node entry the bench runs is).
import { createMockAdminClient } from '../dist/client/index.js'

const { values } = parseArgs({
  options: {
    rss: { type: 'boolean', default: false },
    runtimes: { type: 'string', default: 'node,bun,deno' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    requests: { type: 'string', default: '1000000' },
    'with-hono': { type: 'boolean', default: false },
  },
})
const rounds = Number(values.rounds)
const duration = Number(values.duration)
const connections = Number(values.connections)
const root = fileURLToPath(new URL('..', import.meta.url))
const TOKEN = 'bench-token'
const SERVER = 'bench'
const path = `/v3/sources/${SERVER}/command`

try {
  execFileSync('wrk', ['--version'], { stdio: 'ignore' })
} catch (error) {
  // wrk --version exits 1 after printing; only a missing binary is fatal.
  if (error.code === 'ENOENT') {
    console.error('bench: wrk is not installed (Debian: apt-get install -y wrk)')
    process.exit(2)
  }
}

const scenarioPath = join(mkdtempSync(join(tmpdir(), 'sms-mock-bench-')), 'scenario.json')
writeFileSync(
  scenarioPath,
  JSON.stringify({
    tokens: [TOKEN],
    servers: [
      {
        id: SERVER,
        commands: [{ command_name: 'START', command_param: { task_id: 'bench-task' } }],
      },
    ],
  }),
)
const mockFlags = ['--port', '0', '--scenario', scenarioPath]

function binary(name) {
  const real = join(
    root,
    name === 'bun' ? 'node_modules/bun/bin/bun.exe' : 'node_modules/deno/deno',
  )
  return existsSync(real) ? real : join(root, 'node_modules/.bin', name)
}

const SERVERS = {
  node: {
    bare: ['bare node:http', process.execPath, ['bench/bare-server.mjs']],
    mock: ['sms-mock on Node', process.execPath, ['dist/node.js', ...mockFlags]],
  },
  bun: {
    bare: ['bare Bun.serve', binary('bun'), ['bench/bare-bun.mjs']],
    mock: [
      'sms-mock on Bun',
      binary('bun'),
      ['--max-http-header-size=65536', 'src/bun.ts', ...mockFlags],
    ],
  },
  deno: {
    bare: ['bare Deno.serve', binary('deno'), ['run', '--allow-net', 'bench/bare-deno.mjs']],
    mock: [
      'sms-mock on Deno',
      binary('deno'),
      ['run', '--allow-net', '--allow-read', '--allow-env', 'src/deno.ts', ...mockFlags],
    ],
  },
}

function start([name, command, args]) {
  const child = spawn(command, args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1' },
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) resolve({ name, url: match[1], child })
    })
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before listening`)))
  })
}

function stop(server) {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve()
    const timer = setTimeout(() => server.child.kill('SIGKILL'), 5_000)
    server.child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    server.child.kill('SIGTERM')
  })
}

// CPU time of a server process (all its threads), in clock ticks, from /proc (Linux); undefined
// elsewhere. Under load the machine's other processes take turns with the server, which lowers its
// req/s but barely its CPU time per request: that ratio shows the mock's own cost when req/s
// can't (a loaded 2-core machine here; the scheduler groups each session, so nice alone doesn't
// keep the other sessions' builds away).
const TICK_US = 1_000_000 / 100
function cpuTicks(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return undefined
  }
}

/**
 * One wrk run: requests per second and total, and the server's CPU µs per request where /proc
 * tells; refusing runs with errors or non-2xx answers.
 */
function wrk(server, seconds = duration) {
  const ticksBefore = cpuTicks(server.child.pid)
  const out = execFileSync(
    'wrk',
    [
      '-t1',
      `-c${connections}`,
      `-d${seconds}s`,
      '-H',
      `x-auth-token: ${TOKEN}`,
      `${server.url}${path}`,
    ],
    { encoding: 'utf8' },
  )
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1])
  const total = Number(/(\d+) requests in/.exec(out)?.[1])
  const bad = /Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1]
  const errors = /Socket errors: (.*)/.exec(out)?.[1]
  if (bad || errors || !Number.isFinite(rps)) {
    throw new Error(
      `${server.name}: ${bad ?? 0} non-2xx answers, socket errors: ${errors ?? 'none'}`,
    )
  }
  const ticksAfter = cpuTicks(server.child.pid)
  const cpuUs =
    ticksBefore === undefined || ticksAfter === undefined
      ? undefined
      : ((ticksAfter - ticksBefore) * TICK_US) / total
  return { rps, total, cpuUs }
}

const fmt = (n) => Math.round(n).toLocaleString('en-US')
const median = (xs) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')

async function throughput() {
  const runtimes = values.runtimes.split(',').map((r) => r.trim())
  console.log(
    `sms-mock bench: wrk -t1 -c${connections} -d${duration}s GET ${path} (static token, journal on); ${rounds} alternating rounds per runtime; load average ${loadavg()}`,
  )
  const summary = []
  for (const runtime of runtimes) {
    const pair = SERVERS[runtime]
    if (!pair) throw new Error(`unknown runtime ${runtime}`)
    const bare = await start(pair.bare)
    const mock = await start(pair.mock)
    const hono =
      runtime === 'node' && values['with-hono']
        ? await start([
            'minimal Hono on @hono/node-server',
            process.execPath,
            ['bench/hono-min.mjs'],
          ])
        : undefined
    const viaHono =
      runtime === 'node' && values['with-hono']
        ? await start([
            'sms-mock via Hono middleware',
            process.execPath,
            ['bench/mock-via-hono.mjs', scenarioPath],
          ])
        : undefined
    const ratios = []
    const cpuRatios = []
    const honoRatios = []
    const viaHonoRatios = []
    try {
      // Warm both up (JIT) before measuring.
      wrk(bare, 2)
      wrk(mock, 2)
      if (hono) wrk(hono, 2)
      if (viaHono) wrk(viaHono, 2)
      for (let round = 1; round <= rounds; round++) {
        // Alternate which goes first, so neither always gets the first (or second) slot.
        const order = round % 2 ? [bare, mock] : [mock, bare]
        const result = new Map(order.map((server) => [server, wrk(server)]))
        const b = result.get(bare).rps
        const m = result.get(mock).rps
        ratios.push(m / b)
        let line = `  ${runtime} round ${round}: bare ${fmt(b).padStart(7)} req/s, mock ${fmt(m).padStart(7)} req/s, ratio ${(m / b).toFixed(2)}`
        const bareCpu = result.get(bare).cpuUs
        const mockCpu = result.get(mock).cpuUs
        if (bareCpu !== undefined && mockCpu !== undefined && mockCpu > 0) {
          cpuRatios.push(bareCpu / mockCpu)
          line += `; CPU per request bare ${bareCpu.toFixed(1)} µs, mock ${mockCpu.toFixed(1)} µs (${(bareCpu / mockCpu).toFixed(2)})`
        }
        if (hono) {
          const h = wrk(hono).rps
          honoRatios.push(h / b)
          line += `; hono-min ${fmt(h).padStart(7)} req/s (${(h / b).toFixed(2)})`
        }
        if (viaHono) {
          const h = wrk(viaHono).rps
          viaHonoRatios.push(h / b)
          line += `; mock via Hono middleware ${fmt(h).padStart(7)} req/s (${(h / b).toFixed(2)})`
        }
        console.log(`${line}  [load ${loadavg()}]`)
      }
    } finally {
      await stop(bare)
      await stop(mock)
      if (hono) await stop(hono)
      if (viaHono) await stop(viaHono)
    }
    summary.push(
      `${pair.mock[0].padEnd(18)} median ratio ${median(ratios).toFixed(2)} of ${pair.bare[0]} (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})${cpuRatios.length ? `; CPU per request bare/mock ${median(cpuRatios).toFixed(2)} (rounds: ${cpuRatios.map((r) => r.toFixed(2)).join(', ')})` : ''}${honoRatios.length ? `; minimal Hono ${median(honoRatios).toFixed(2)}` : ''}${viaHonoRatios.length ? `; mock via Hono middleware ${median(viaHonoRatios).toFixed(2)} (rounds: ${viaHonoRatios.map((r) => r.toFixed(2)).join(', ')})` : ''}`,
    )
  }
  console.log(
    `goal: >= 0.75 of the bare server of the same runtime (req/s); load average now ${loadavg()}`,
  )
  for (const line of summary) console.log(line)
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

async function rss() {
  const amount = Number(values.requests)
  const runtimes = values.runtimes.split(',').map((r) => r.trim())
  console.log(
    `sms-mock RSS check: at least ${fmt(amount)} requests to the mock on ${runtimes.join(', ')} (wrk, ${connections} connections), RSS sampled every 2 s`,
  )
  const summary = []
  for (const runtime of runtimes) {
    const pair = SERVERS[runtime]
    if (!pair) throw new Error(`unknown runtime ${runtime}`)
    const server = await start(pair.mock)
    const pid = server.child.pid
    const samples = [{ t: 0, mb: rssMb(pid) }]
    const started = Date.now()
    let sent = 0
    let seconds = 0
    try {
      while (sent < amount) {
        // 2 s slices, so RSS is sampled between them without a timer racing wrk's output.
        const { total } = wrk(server, 2)
        sent += total
        seconds += 2
        samples.push({ t: (Date.now() - started) / 1000, mb: rssMb(pid) })
      }
    } catch (error) {
      await stop(server)
      throw error
    }
    const journal = await createMockAdminClient(server.url).journal({ limit: 1 })
    await stop(server)
    console.log(`${pair.mock[0]}:`)
    for (const s of samples.filter((_, i) => i % 5 === 0 || i === samples.length - 1))
      console.log(`  t=${s.t.toFixed(0).padStart(4)} s  RSS ${s.mb.toFixed(1)} MB`)
    const steady = samples.filter((s) => s.t >= 10).map((s) => s.mb)
    const half = Math.floor(steady.length / 2)
    console.log(`  requests: ${fmt(sent)} in ${seconds} s of load (${fmt(sent / seconds)} req/s)`)
    console.log(`  journal: last seq ${journal.entries[0]?.seq}, capacity ${journal.capacity}`)
    const line = `RSS after 10 s: median ${median(steady.slice(0, half)).toFixed(1)} MB (first half) -> ${median(steady.slice(half)).toFixed(1)} MB (second half); range ${Math.min(...steady).toFixed(1)}–${Math.max(...steady).toFixed(1)} MB; ${samples[0].mb.toFixed(1)} MB at start`
    console.log(`  ${line}`)
    summary.push(`${pair.mock[0].padEnd(18)} ${fmt(sent)} requests: ${line}`)
  }
  for (const line of summary) console.log(line)
}

if (values.rss) await rss()
else await throughput()
