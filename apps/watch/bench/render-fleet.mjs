// One benchmark run (spawned by run.mjs, one process per configuration so CPU figures don't mix):
// renders sms-watch's real Ink app for a fleet of N servers that all change every second, into a
// fake terminal, and prints one JSON line of measurements.
//
//   node bench/render-fleet.mjs '{"servers":1000,"seconds":10,"refreshMs":500,"rows":50,"cols":160}'
import { PassThrough, Writable } from 'node:stream'

// Ink renders only the last frame when CI is set: measure what a terminal user gets.
delete process.env.CI
delete process.env.CONTINUOUS_INTEGRATION
process.env.FORCE_COLOR = '1'
// As bin/sms-watch does (src/cli.ts): React's production build.
process.env.NODE_ENV ??= 'production'

const config = {
  servers: 1000,
  seconds: 10,
  refreshMs: 500,
  rows: 50,
  cols: 160,
  changeShare: 0.1,
  // Polls arrive in slices: every feedEveryMs, servers / (1000 / feedEveryMs) of them.
  feedEveryMs: 1_000,
  // Baseline: the layout believes the terminal is tall enough for every row (no windowing).
  unwindowed: false,
  ...JSON.parse(process.argv[2] ?? '{}'),
}

const { render } = await import('ink')
const { createElement } = await import('react')
const { WatchApp, createStore, initialState } = await import('../dist/index.js')

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes is the point
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g
let writes = 0
let bytes = 0
let maxFrameLines = 0
const stdout = new Writable({
  write(chunk, _encoding, callback) {
    const text = chunk.toString()
    writes++
    bytes += chunk.length
    const lines = text.replace(ANSI, '').split('\n').length - 1
    if (lines > maxFrameLines) maxFrameLines = lines
    callback()
  },
})
Object.assign(stdout, { isTTY: true, columns: config.cols, rows: config.rows })
const stdin = new PassThrough()
Object.assign(stdin, { isTTY: true, setRawMode: () => stdin, ref: () => stdin, unref: () => stdin })

const ids = Array.from(
  { length: config.servers },
  (_, i) => `srv-${String(i + 1).padStart(5, '0')}`,
)
const start = Date.now()
const layoutRows = config.unwindowed ? config.servers + 20 : config.rows
const store = createStore(
  initialState({
    now: start,
    serverIds: ids,
    intervalMs: 1_000,
    terminal: { rows: layoutRows, cols: config.cols },
  }),
)
const commands = ['START', 'STOP', 'SYNC', 'DELETE']
let seed = 42
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}
const current = new Map()
const slices = Math.max(1, Math.round(1_000 / config.feedEveryMs))
let slice = 0
function oneSliceOfPolls(now) {
  const updates = []
  const size = Math.ceil(ids.length / slices)
  const from = (slice++ % slices) * size
  for (const id of ids.slice(from, from + size)) {
    const update = { serverId: id, at: now, poll: { latencyMs: 5 + Math.floor(random() * 200) } }
    if (random() < config.changeShare) {
      const roll = random()
      if (roll < 0.4)
        current.set(id, {
          name: commands[Math.floor(random() * 4)],
          taskId: `t${Math.floor(random() * 1e6)}`,
        })
      else if (roll < 0.8) current.delete(id)
      else {
        updates.push({
          ...update,
          error: { status: 503, code: 'SMS.2007', message: 'background exception', at: now },
        })
        continue
      }
    }
    updates.push({ ...update, command: current.get(id) ?? null, error: null })
  }
  store.dispatch({ type: 'updates', updates })
}

let frames = 0
let renderMs = 0
let maxRenderMs = 0
const ink = render(createElement(WatchApp, { store, color: true, refreshMs: config.refreshMs }), {
  stdout,
  stdin,
  stderr: new Writable({ write: (_c, _e, cb) => cb() }),
  exitOnCtrlC: false,
  patchConsole: false,
  onRender: ({ renderTime }) => {
    frames++
    renderMs += renderTime
    if (renderTime > maxRenderMs) maxRenderMs = renderTime
  },
})
if (config.unwindowed) store.dispatch({ type: 'resize', rows: layoutRows, cols: config.cols })

// Warm up for a second, then measure.
for (let i = 0; i < slices; i++) oneSliceOfPolls(Date.now())
await new Promise((resolve) => setTimeout(resolve, 1_000))
frames = 0
renderMs = 0
maxRenderMs = 0
writes = 0
bytes = 0
maxFrameLines = 0
const cpuBefore = process.cpuUsage()
const wallBefore = performance.now()
const feeder = setInterval(() => oneSliceOfPolls(Date.now()), config.feedEveryMs)
await new Promise((resolve) => setTimeout(resolve, config.seconds * 1_000))
clearInterval(feeder)
const cpu = process.cpuUsage(cpuBefore)
const wallMs = performance.now() - wallBefore
store.dispatch({ type: 'quit' })
await ink.waitUntilExit()

console.log(
  JSON.stringify({
    ...config,
    layoutRows,
    frames,
    fps: frames / (wallMs / 1_000),
    avgRenderMs: frames ? renderMs / frames : 0,
    maxRenderMs,
    cpuShare: (cpu.user + cpu.system) / 1_000 / wallMs,
    // CPU time per frame, polls folded in: unlike the render time (wall clock), a loaded machine
    // barely changes it.
    cpuMsPerFrame: frames ? (cpu.user + cpu.system) / 1_000 / frames : 0,
    writes,
    bytesPerSecond: bytes / (wallMs / 1_000),
    maxFrameLines,
    terminalRows: config.rows,
  }),
)
