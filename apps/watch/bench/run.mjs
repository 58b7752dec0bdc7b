// `pnpm --filter @sms-command/watch bench`: renders a fleet of 1,000 servers that all poll (and
// 10% change) every second through sms-watch's real Ink app into a fake 160×50 terminal, and prints
// frames per second, average render time, CPU share of one core and the tallest frame against the
// terminal's rows. "avg ms" is Ink's render of a frame by the wall clock (what the goal counts;
// other processes on the machine inflate it), "CPU ms/frame" the process's CPU per frame, polls
// included. A stress run spreads the polls over the second and redraws up to 10 times a second.
// Baseline in the same run: the same fleet drawn without windowing.
//
//   BENCH_SECONDS=10 BENCH_SERVERS=1000 node bench/run.mjs
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const seconds = Number(process.env.BENCH_SECONDS ?? 10)
const servers = Number(process.env.BENCH_SERVERS ?? 1000)
const script = fileURLToPath(new URL('./render-fleet.mjs', import.meta.url))

const runs = [
  { label: 'default: refresh 500ms, polls each 1s', refreshMs: 500, feedEveryMs: 1_000 },
  { label: 'stress: refresh 100ms, polls spread', refreshMs: 100, feedEveryMs: 100 },
  {
    label: 'baseline: no windowing, refresh 500ms',
    refreshMs: 500,
    feedEveryMs: 1_000,
    unwindowed: true,
  },
]

// Other processes on the machine stretch the wall-clock render time (not the work): the load
// average is printed beside the figures, as the mock's bench does.
const loadavg = () =>
  existsSync('/proc/loadavg')
    ? readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
    : 'unknown'
const loadBefore = loadavg()

const results = []
for (const run of runs) {
  const config = {
    servers,
    seconds,
    rows: 50,
    cols: 160,
    refreshMs: run.refreshMs,
    feedEveryMs: run.feedEveryMs,
    unwindowed: run.unwindowed === true,
  }
  const child = spawnSync(process.execPath, [script, JSON.stringify(config)], {
    encoding: 'utf8',
    env: process.env,
  })
  if (child.status !== 0) {
    process.stderr.write(`bench: ${run.label} failed:\n${child.stderr}\n`)
    process.exit(1)
  }
  const result = JSON.parse(child.stdout.trim().split('\n').at(-1))
  results.push({ ...run, ...result })
}

const pad = (text, width) => String(text).padEnd(width)
const num = (value, digits = 1) => value.toFixed(digits)
console.log(
  `sms-watch render benchmark: ${servers} servers, all polled every second (10% changing), ${seconds} s per run, terminal 160×50, Node ${process.version}; load average ${loadBefore} before, ${loadavg()} after`,
)
console.log('')
console.log(
  `${pad('run', 38)} ${pad('fps', 6)} ${pad('avg ms', 8)} ${pad('max ms', 8)} ${pad('CPU %', 7)} ${pad('CPU ms/frame', 13)} ${pad('KB/s', 8)} frame lines / rows`,
)
for (const result of results) {
  console.log(
    `${pad(result.label, 38)} ${pad(num(result.fps), 6)} ${pad(num(result.avgRenderMs, 2), 8)} ${pad(num(result.maxRenderMs, 1), 8)} ${pad(num(result.cpuShare * 100), 7)} ${pad(num(result.cpuMsPerFrame), 13)} ${pad(num(result.bytesPerSecond / 1024), 8)} ${result.maxFrameLines} / ${result.terminalRows}`,
  )
}
const [base, , naive] = results
console.log('')
// The goal (issue 20): a 50 × 160 frame is a few kilobytes of text, so the default refresh should
// cost at most a tenth of a core and each frame at most 15 ms of Ink's render.
const CPU_GOAL = 0.1
const FRAME_GOAL_MS = 15
const goalMet = base.cpuShare <= CPU_GOAL && base.avgRenderMs <= FRAME_GOAL_MS
console.log(
  `default refresh: ${num(base.cpuShare * 100)}% of one core, ${num(base.avgRenderMs)} ms per frame (goal: at most ${CPU_GOAL * 100}% of a core, ${FRAME_GOAL_MS} ms per frame): ${goalMet ? 'met' : 'NOT met'}`,
)
console.log(
  `tallest frame: ${base.maxFrameLines} lines on a ${base.terminalRows}-row terminal: ${base.maxFrameLines < base.terminalRows ? 'fits' : 'DOES NOT FIT'}`,
)
console.log(
  `windowing vs baseline: ${num(naive.avgRenderMs / Math.max(base.avgRenderMs, 0.001))}× less render time, ${num(naive.cpuShare / Math.max(base.cpuShare, 0.0001))}× less CPU`,
)
console.log('')
console.log(
  JSON.stringify({
    bench: 'sms-watch-render',
    servers,
    seconds,
    load: { before: loadBefore, after: loadavg() },
    results,
  }),
)
