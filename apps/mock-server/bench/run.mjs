#!/usr/bin/env node
// Benchmark of the mock (pnpm --filter @sms-command/mock-server bench [-- --rss] [-- --duration 10]).
//
// Throughput: autocannon against `GET /v3/sources/bench/command` (static-token auth checked,
// journal on) on the Node server, and in the same run against a bare node:http server answering
// the same JSON; prints both req/s and their ratio, then the Bun server's figure.
// --rss: sends 1,000,000 requests to the Node server and prints its RSS as it goes, to show
// that memory stays flat (the journal is a ring buffer).
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const { values } = parseArgs({
  options: {
    rss: { type: 'boolean', default: false },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    requests: { type: 'string', default: '1000000' },
    'skip-bun': { type: 'boolean', default: false },
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
const root = fileURLToPath(new URL('..', import.meta.url))
const TOKEN = 'bench-token'
const SERVER = 'bench'
const path = `/v3/sources/${SERVER}/command`
const headers = { 'x-auth-token': TOKEN }

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

function start(name, command, args) {
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
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

/** The sms-mock bin on a free port with the bench scenario. */
function startNode() {
  return start('sms-mock (Node)', process.execPath, [
    'dist/node.js',
    '--port',
    '0',
    '--scenario',
    scenarioPath,
  ])
}

function stop(server) {
  return new Promise((resolve) => {
    server.child.once('exit', resolve)
    server.child.kill('SIGTERM')
  })
}

async function load(server, options = {}) {
  const result = await autocannon({
    url: `${server.url}${path}`,
    headers,
    connections,
    duration,
    ...options,
  })
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${server.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`)
  }
  return result
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return kb / 1024
}

const fmt = (n) => Math.round(n).toLocaleString('en-US')

async function throughput() {
  console.log(
    `sms-mock bench: GET ${path}, ${connections} connections, ${duration} s per server (after a 2 s warm-up)`,
  )
  const bare = await start('bare node:http', process.execPath, ['bench/bare-server.mjs'])
  const node = await startNode()
  const results = {}
  try {
    // Alternate, so neither gets a warmer machine.
    for (const server of [bare, node]) await load(server, { duration: 2 })
    results.bare = (await load(bare)).requests.average
    results.node = (await load(node)).requests.average
  } finally {
    await stop(bare)
    await stop(node)
  }
  console.log(`bare node:http      ${fmt(results.bare).padStart(8)} req/s`)
  console.log(`sms-mock on Node    ${fmt(results.node).padStart(8)} req/s  (auth + journal on)`)
  console.log(`ratio               ${(results.node / results.bare).toFixed(2)} (goal >= 0.60)`)
  if (!values['skip-bun']) {
    const bunBinary = join(root, 'node_modules/bun/bin/bun.exe')
    const bun = await start('sms-mock (Bun)', bunBinary, [
      'src/bun.ts',
      '--port',
      '0',
      '--scenario',
      scenarioPath,
    ])
    try {
      await load(bun, { duration: 2 })
      results.bun = (await load(bun)).requests.average
    } finally {
      await stop(bun)
    }
    console.log(
      `sms-mock on Bun     ${fmt(results.bun).padStart(8)} req/s  (${(results.bun / results.bare).toFixed(2)} of bare node:http)`,
    )
  }
}

async function rss() {
  const amount = Number(values.requests)
  const node = await startNode()
  const pid = node.child.pid
  console.log(
    `sms-mock RSS check: ${fmt(amount)} requests to the Node server, RSS sampled every 2 s`,
  )
  const samples = [{ t: 0, mb: rssMb(pid) }]
  const started = Date.now()
  const timer = setInterval(
    () => samples.push({ t: (Date.now() - started) / 1000, mb: rssMb(pid) }),
    2_000,
  )
  let result
  try {
    result = await autocannon({ url: `${node.url}${path}`, headers, connections, amount })
    samples.push({ t: (Date.now() - started) / 1000, mb: rssMb(pid) })
  } finally {
    clearInterval(timer)
  }
  const journal = await (await fetch(`${node.url}/_mock/journal?limit=1`)).json()
  await stop(node)
  for (const s of samples)
    console.log(`  t=${s.t.toFixed(0).padStart(4)} s  RSS ${s.mb.toFixed(1)} MB`)
  // RSS swings with each GC cycle: compare the medians of the first and second halves after a
  // 10 s warm-up, and give the range.
  const steady = samples.filter((s) => s.t >= 10).map((s) => s.mb)
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
  const half = Math.floor(steady.length / 2)
  console.log(
    `requests: ${fmt(result.requests.total)}, non-2xx: ${result.non2xx}, errors: ${result.errors}, ${fmt(result.requests.average)} req/s`,
  )
  console.log(`journal: last seq ${journal.entries[0]?.seq}, capacity ${journal.capacity}`)
  console.log(
    `RSS after warm-up: median ${median(steady.slice(0, half)).toFixed(1)} MB (first half) -> ${median(steady.slice(half)).toFixed(1)} MB (second half); range ${Math.min(...steady).toFixed(1)}–${Math.max(...steady).toFixed(1)} MB`,
  )
}

if (values.rss) await rss()
else await throughput()
