import { mkdtemp, readdir, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSmsClient, type SmsCommand, staticToken } from '@sms-command/core'
import { type DeliveryEntry, DeliveryJournal, type JournalStore } from '@sms-command/core/delivery'
import {
  createFakeSms,
  createVirtualScheduler,
  type FakeSms,
  type VirtualScheduler,
  type WireCommand,
} from '@sms-command/core/testing'
import { beforeEach, describe, expect, it } from 'vitest'
import { Agent, type AgentSettings, type RunRequest } from './agent.ts'
import { FileJournalStore, JOURNAL_FILE } from './durable/file-journal.ts'
import { StateError } from './durable/state-error.ts'
import type { HandlerOutcome } from './handler/run-handler.ts'
import { createLogger } from './logger.ts'
import { AgentMetrics } from './observe/metrics.ts'
import { observeAgent } from './observe/observe-agent.ts'

const SERVER = 'srv-1'
const TOKEN = 'tok-SECRET-93c1f0aa'
const START = (task: string): WireCommand => ({
  command_name: 'START',
  command_param: { task_id: task },
})

let dir: string
let sms: FakeSms
/** Handler runs across every "process" of a test. */
let runs: RunRequest[]

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-loop-'))
  sms = createFakeSms()
  sms.enqueue(SERVER) // registered, nothing pending
  runs = []
})

const SETTINGS: AgentSettings = {
  serverId: SERVER,
  intervalMs: 1_000,
  firstPollJitterMs: 0,
  backoffBaseMs: 100,
  backoffMaxMs: 5_000,
  slowRetryMs: 30_000,
  requestTimeoutMs: 2_000,
  shutdownGraceMs: 3_000,
  handlers: { default: '/opt/handler' },
  interrupted: 'fail',
  dryRun: false,
  reportRefusalLimit: 3,
}

function success(request: RunRequest): HandlerOutcome {
  return {
    result: 'success',
    detail: {
      handler: request.handler,
      exit_code: 0,
      signal: null,
      duration_ms: 5,
      timed_out: false,
      output: 'ok\n',
      output_bytes: 3,
      output_truncated: false,
    },
  }
}

interface Deferred {
  resolve(outcome?: HandlerOutcome): void
}

/** One agent "process": its own clock, journal handle, logger and loop. */
async function startAgent(
  options: {
    settings?: Partial<AgentSettings>
    startAt?: number
    once?: boolean
    /** Handler runs wait for release instead of finishing at once. */
    hold?: boolean
    readOnly?: boolean
    dir?: string
    /** While true, every journal write fails as on a full disk. */
    diskFull?: () => boolean
  } = {},
) {
  const scheduler: VirtualScheduler = createVirtualScheduler(options.startAt)
  const settings = { ...SETTINGS, ...options.settings }
  const store = await FileJournalStore.open({
    dir: options.dir ?? dir,
    serverId: settings.serverId,
    now: scheduler.now,
    readOnly: options.readOnly === true,
  })
  const lines: string[] = []
  const logger = createLogger({
    format: 'json',
    level: 'debug',
    write: (line) => lines.push(line),
    serverId: SERVER,
    now: scheduler.now,
  })
  const metrics = new AgentMetrics(scheduler.now())
  const observers = observeAgent({ logger, metrics, now: scheduler.now })
  const held: Deferred[] = []
  const client = createSmsClient({
    endpoint: 'https://sms.example.test',
    auth: staticToken(TOKEN),
    fetch: sms.fetch,
    scheduler,
    timeoutMs: settings.requestTimeoutMs,
    random: () => 0.5,
  })
  const diskFull = options.diskFull
  const journalStore: JournalStore = diskFull
    ? {
        name: store.name,
        load: () => store.load(),
        save: (state) =>
          diskFull()
            ? Promise.reject(
                new StateError(
                  'io',
                  store.path,
                  `Cannot write journal ${store.path}: ENOSPC: no space left on device`,
                ),
              )
            : store.save(state),
      }
    : store
  const journal: JournalView = {
    entries: () => store.current().entries,
    active: () => store.current().entries.filter((entry) => entry.state !== 'reported'),
  }
  const agent = new Agent({
    settings,
    client,
    journal: journalStore,
    events: observers.events,
    scheduler,
    random: () => 0.5,
    runCommand: (request) => {
      runs.push(request)
      if (!options.hold) return Promise.resolve(success(request))
      return new Promise<HandlerOutcome>((resolve) => {
        const finish = (outcome?: HandlerOutcome) => resolve(outcome ?? success(request))
        held.push({ resolve: finish })
        request.signal.addEventListener('abort', () =>
          finish({
            result: 'fail',
            detail: { ...success(request).detail, reason: 'interrupted', exit_code: null },
          }),
        )
      })
    },
  })
  observers.watchLoop(agent)
  let exitCode: number | undefined
  const done = (options.once ? agent.runOnce() : agent.run()).then((code) => {
    exitCode = code
    return code
  })
  const events = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)

  /** Lets virtual time run until `predicate` holds (bounded, never sleeps for real). */
  async function until(predicate: () => boolean, what: string) {
    for (let turn = 0; turn < 3_000; turn++) {
      if (predicate()) return
      if (scheduler.pending > 0) await scheduler.runNext()
      else await new Promise((resolve) => setTimeout(resolve, 1))
    }
    throw new Error(`timed out waiting for: ${what}`)
  }

  return {
    agent,
    scheduler,
    journal,
    metrics,
    health: observers.health,
    lines,
    events,
    held,
    done,
    until,
    exitCode: () => exitCode,
    eventNames: () => events().map((event) => event.event as string),
    /** Stops the loop and waits for it to end, driving time. */
    async stop() {
      agent.stop('test')
      await until(() => exitCode !== undefined, 'agent to stop')
      return exitCode
    },
  }
}

/** What a test reads of the journal: the file store's current content. */
interface JournalView {
  entries(): readonly DeliveryEntry[]
  active(): DeliveryEntry[]
}

/** At least `count` entries, none of them unfinished. */
const settled = (journal: JournalView, count: number) =>
  journal.entries().length >= count && journal.active().length === 0

const posts = () => sms.requests.filter((request) => request.route === 'command_result')
const taskIds = (commands: readonly { command: SmsCommand }[]) =>
  commands.map((run) => run.command.command_param.task_id)

describe('Agent', () => {
  it('runs a command once, verifies it is still current, then reports it', async () => {
    sms.enqueue(SERVER, START('t1'))
    const process = await startAgent()
    await process.until(() => settled(process.journal, 1), 'the acknowledgement')
    expect(taskIds(runs)).toEqual(['t1'])
    expect(runs[0]?.handler).toBe('/opt/handler')
    expect(sms.results[0]).toMatchObject({
      command: START('t1'),
      result: 'success',
      result_detail: { exit_code: 0, output: 'ok\n', task_id: 't1' },
    })
    // GET (command) → run → GET (still current) → POST → GET at once for the next command.
    expect(
      sms.requests.slice(0, 4).map((request) => `${request.method} ${request.status}`),
    ).toEqual(['GET 200', 'GET 200', 'POST 200', 'GET 200'])
    expect(process.journal.entries()).toMatchObject([
      { state: 'reported', outcome: 'acknowledged', runs: 1, reportAttempts: 1 },
    ])
    await process.until(() => sms.requests.length >= 5, 'more polls')
    expect(process.eventNames()).toEqual(
      expect.arrayContaining(['command.received', 'command.start', 'command.finish']),
    )
    expect(await process.stop()).toBe(0)
  })

  it('on a full disk after a handler succeeded: says so, reports the success from memory, and still stops at once', async () => {
    sms.enqueue(SERVER, START('t1'), START('t2'))
    let full = false
    const process = await startAgent({ hold: true, diskFull: () => full })
    await process.until(() => runs.length === 1, 'the handler to start')
    full = true
    process.held[0]?.resolve()
    await process.until(() => sms.results.length === 1, 'the result, from memory')
    expect(sms.results[0]).toMatchObject({ result: 'success', command: START('t1') })
    expect(process.events().find((event) => event.event === 'journal.error')).toMatchObject({
      level: 'error',
      msg: expect.stringContaining('stays in memory'),
    })
    // Nothing new starts while the journal can't take it.
    await process.until(
      () => process.eventNames().filter((name) => name === 'journal.error').length >= 3,
      'retries',
    )
    expect(runs).toHaveLength(1)
    // SIGTERM is not held up by the full disk.
    const before = process.scheduler.now()
    expect(await process.stop()).toBe(0)
    expect(process.scheduler.now() - before).toBeLessThan(60_000)
    // Space is back: the next start goes on with t2, and t1 is neither rerun nor re-reported.
    full = false
    const next = await startAgent({ startAt: process.scheduler.now() + 1_000 })
    await next.until(() => sms.results.length === 2, 't2')
    expect(taskIds(runs)).toEqual(['t1', 't2'])
    expect(sms.results.map((result) => result.result)).toEqual(['success', 'success'])
    await next.stop()
  })

  it('a stop while the handler file cannot be started yet leaves the command pending: the next start runs it once', async () => {
    sms.enqueue(SERVER, START('t1'))
    const held = await startAgent({ hold: true })
    await held.until(() => runs.length === 1, 'the start attempt')
    // What the start retry answers when the stop ends its waiting: never spawned.
    held.held[0]?.resolve({
      result: 'fail',
      detail: {
        ...success(runs[0] as RunRequest).detail,
        reason: 'interrupted',
        message: 'the agent was stopping; the handler was not started: CRLF line endings',
        not_started: true,
        exit_code: null,
      },
    })
    held.agent.stop('SIGTERM')
    await held.until(() => held.exitCode() !== undefined, 'the stop')
    expect(sms.results).toEqual([])
    expect(held.journal.entries()).toMatchObject([{ state: 'received', runs: 0 }])
    const next = await startAgent({ startAt: held.scheduler.now() + 1_000 })
    await next.until(() => sms.results.length === 1, 'the result')
    expect(sms.results).toMatchObject([{ result: 'success', command: START('t1') }])
    expect(runs).toHaveLength(2)
    await next.stop()
  })

  it('polls at the interval while idle, and picks up queued commands back to back', async () => {
    const process = await startAgent()
    await process.until(() => sms.requests.length === 3, 'three idle polls')
    expect(process.scheduler.sleeps.filter((ms) => ms === 1_000).length).toBeGreaterThanOrEqual(2)
    sms.enqueue(SERVER, START('a'), START('b'), START('c'))
    await process.until(() => sms.results.length === 3, 'three results')
    expect(taskIds(runs)).toEqual(['a', 'b', 'c'])
    expect(sms.results.map((result) => result.command.command_param.task_id)).toEqual([
      'a',
      'b',
      'c',
    ])
    await process.stop()
  })

  it('does not run a redelivered command again when its report failed; it re-sends the result', async () => {
    sms.enqueue(SERVER, START('t1'))
    sms.fault('command_result', { kind: 'status', status: 500 }, 2)
    const process = await startAgent()
    await process.until(() => settled(process.journal, 1), 'the acknowledgement')
    expect(runs).toHaveLength(1)
    expect(sms.results).toHaveLength(1)
    expect(posts().map((request) => request.status)).toEqual([500, 500, 200])
    expect(process.journal.entries()[0]).toMatchObject({
      outcome: 'acknowledged',
      reportAttempts: 3,
    })
    // An ambiguous failure waits at least the request deadline before checking again.
    expect(process.events().filter((event) => event.event === 'report.error')).toMatchObject([
      { attempt: 1, delay: 2_000, status: '500' },
      { attempt: 2, delay: 2_000, status: '500' },
    ])
    await process.stop()
  })

  it('never re-sends a report whose answer was lost once SMS has moved on to a same-name command', async () => {
    sms.enqueue(SERVER, START('t1'), START('t2'))
    // SMS records t1's result and makes START t2 current, but the answer never arrives.
    sms.fault('command_result', { kind: 'lose-answer' })
    const process = await startAgent()
    await process.until(
      () => process.journal.entries().length === 2 && process.journal.active().length === 0,
      'both settled',
    )
    expect(taskIds(runs)).toEqual(['t1', 't2'])
    expect(sms.results.map((result) => result.command.command_param.task_id)).toEqual(['t1', 't2'])
    // t2's result is t2's own, not t1's re-sent.
    expect(sms.results[1]?.result_detail.task_id).toBe('t2')
    expect(posts()).toHaveLength(2)
    expect(process.journal.entries()).toMatchObject([
      { command: START('t1'), outcome: 'presumed-recorded', reportAttempts: 1 },
      { command: START('t2'), outcome: 'acknowledged' },
    ])
    expect(process.eventNames()).toContain('report.presumed-recorded')
    await process.stop()
  })

  it('reports a handler cut short by a crash as fail, reason interrupted, without running it again', async () => {
    sms.enqueue(SERVER, START('t1'))
    const crashed = await startAgent({ hold: true })
    await crashed.until(() => runs.length === 1, 'the handler to start')
    // kill -9: the first process never runs again; its journal says running.
    expect(JSON.parse(await readFile(join(dir, JOURNAL_FILE), 'utf8')).entries[0].state).toBe(
      'running',
    )
    const restarted = await startAgent({ startAt: crashed.scheduler.now() + 60_000 })
    await restarted.until(() => sms.results.length === 1, 'the result')
    expect(runs).toHaveLength(1)
    expect(sms.results[0]).toMatchObject({
      result: 'fail',
      result_detail: { reason: 'interrupted', handler: '/opt/handler', runs: 1 },
    })
    expect(restarted.eventNames()).toContain('command.interrupted')
    await restarted.stop()
  })

  it('with --interrupted rerun runs an interrupted command once more, and only once', async () => {
    sms.enqueue(SERVER, START('t1'))
    const settings = { interrupted: 'rerun' as const }
    const first = await startAgent({ hold: true, settings })
    await first.until(() => runs.length === 1, 'first run')
    const second = await startAgent({ hold: true, settings })
    await second.until(() => runs.length === 2, 'the rerun')
    const third = await startAgent({ settings })
    await third.until(() => sms.results.length === 1, 'the result')
    expect(runs).toHaveLength(2)
    expect(sms.results[0]?.result_detail).toMatchObject({ reason: 'interrupted', runs: 2 })
    await third.stop()
  })

  it('after a crash between finishing and reporting, reports the stored result without rerunning', async () => {
    // What a process killed right after journaling `done` leaves behind.
    const journal = await DeliveryJournal.open(
      await FileJournalStore.open({ dir, serverId: SERVER }),
    )
    const entry = await journal.receive(START('t1') as SmsCommand)
    await journal.markRunning(entry.id, '/opt/handler')
    await journal.markDone(entry.id, { result: 'success', result_detail: { exit_code: 0 } })
    sms.enqueue(SERVER, START('t1'))
    const process = await startAgent()
    await process.until(() => sms.results.length === 1, 'the result')
    expect(runs).toHaveLength(0)
    expect(sms.results[0]).toMatchObject({ result: 'success', result_detail: { exit_code: 0 } })
    await process.stop()
  })

  it('runs a command journaled as received but never started before a crash', async () => {
    const journal = await DeliveryJournal.open(
      await FileJournalStore.open({ dir, serverId: SERVER }),
    )
    await journal.receive(START('t1') as SmsCommand)
    sms.enqueue(SERVER, START('t1'))
    const process = await startAgent()
    await process.until(() => sms.results.length === 1, 'the result')
    expect(taskIds(runs)).toEqual(['t1'])
    expect(process.journal.entries()).toHaveLength(1)
    await process.stop()
  })

  it('reports an unknown command or one without a handler as fail, running nothing', async () => {
    sms.enqueue(
      SERVER,
      { command_name: 'PREMIGRATE', command_param: { task_id: 'p' } },
      { command_name: 'SYNC', command_param: { task_id: 's' } },
      START('t1'),
    )
    const process = await startAgent({ settings: { handlers: { START: '/opt/on-start' } } })
    await process.until(() => sms.results.length === 3, 'three results')
    expect(sms.results.map((result) => [result.result, result.result_detail.reason])).toEqual([
      ['fail', 'unknown-command'],
      ['fail', 'no-handler'],
      ['success', undefined],
    ])
    expect(sms.results[1]?.result_detail.message).toContain('--on-sync or --handler')
    expect(runs.map((run) => run.handler)).toEqual(['/opt/on-start'])
    await process.stop()
  })

  it('waits as long as Retry-After asks when a report is throttled', async () => {
    sms.enqueue(SERVER, START('t1'))
    sms.fault('command_result', { kind: 'status', status: 429, retryAfter: '7' })
    const process = await startAgent()
    await process.until(() => sms.results.length === 1, 'the result')
    expect(process.scheduler.sleeps).toContain(7_000)
    expect(posts().map((request) => request.status)).toEqual([429, 200])
    await process.stop()
  })

  it('settles a result as superseded, unsent, when SMS dropped the command meanwhile', async () => {
    sms.enqueue(SERVER, START('t1'), START('t2'))
    const process = await startAgent({ hold: true })
    await process.until(() => runs.length === 1, 'the handler')
    sms.cancelCurrent(SERVER)
    process.held[0]?.resolve()
    await process.until(() => runs.length === 2, "t2's handler")
    expect(process.journal.entries()[0]).toMatchObject({ outcome: 'superseded', reportAttempts: 0 })
    process.held[1]?.resolve()
    await process.until(() => sms.results.length === 1, "t2's result")
    expect(sms.results[0]?.command).toEqual(START('t2'))
    expect(posts()).toHaveLength(1)
    await process.stop()
  })

  it('marks a result rejected when SMS answers SMS.2009', async () => {
    sms.enqueue(SERVER, START('t1'))
    sms.fault('command_result', { kind: 'status', status: 400, errorCode: 'SMS.2009' })
    const process = await startAgent()
    await process.until(() => process.journal.entries()[0]?.state === 'reported', 'settled')
    expect(process.journal.entries()[0]?.outcome).toBe('rejected')
    expect(runs).toHaveLength(1)
    await process.stop()
  })

  it('settles a result SMS keeps refusing (a deterministic 4xx) as rejected after a bounded number of attempts, never runs it again, and goes on with the next command', async () => {
    sms.enqueue(SERVER, START('t1'), START('t2'))
    sms.fault('command_result', { kind: 'status', status: 400, errorCode: 'SMS.2004' }, 1_000)
    const process = await startAgent({ settings: { slowRetryMs: 50, reportRefusalLimit: 3 } })
    await process.until(() => process.journal.entries()[0]?.state === 'reported', 'settled')
    expect(process.journal.entries()[0]).toMatchObject({
      outcome: 'rejected',
      rejection: 'refused',
      reportAttempts: 3,
    })
    expect(posts().map((request) => request.status)).toEqual([400, 400, 400])
    expect(process.eventNames()).toContain('report.refused')
    expect(process.health.snapshot().rejectedReports).toEqual({ count: 1, last: 1 })
    expect(process.metrics.render()).toMatch(/outcome="rejected"\} 1/)
    // SMS still waits for t1: more polls show it, and it is not run a second time.
    const before = sms.requests.length
    await process.until(() => sms.requests.length >= before + 3, 'more polls')
    expect(taskIds(runs)).toEqual(['t1'])
    expect(posts()).toHaveLength(3)
    // Once SMS moves on, the next command runs.
    sms.cancelCurrent(SERVER)
    await process.until(() => runs.length === 2, "t2's handler")
    expect(taskIds(runs)).toEqual(['t1', 't2'])
    await process.stop()
  })

  it('keeps saying (at a bounded rate, and in /healthz) that SMS waits for a command whose result it refused', async () => {
    sms.enqueue(SERVER, START('t1'), START('t2'))
    sms.fault('command_result', { kind: 'status', status: 400, errorCode: 'SMS.2004' }, 1_000)
    const process = await startAgent({
      settings: { slowRetryMs: 50, reportRefusalLimit: 3, intervalMs: 10_000 },
    })
    await process.until(() => process.journal.entries()[0]?.state === 'reported', 'settled')
    const healthz = () =>
      process.health.report({
        now: process.scheduler.now(),
        loop: process.agent.status(),
        maxAgeMs: 60_000,
      })
    const held = () => process.events().filter((event) => event.event === 'report.held')
    await process.until(() => held().length > 0, 'the first held poll')
    const settledAt = process.scheduler.now()
    expect(healthz().ok).toBe(true)
    expect(healthz().body).toMatchObject({
      status: 'degraded',
      held_report: { command: 'START', task_id: 't1', entry: 1 },
    })
    expect(String((healthz().body.held_report as { msg: string }).msg)).toContain(
      'Cancel or re-issue the command in SMS',
    )
    // 25 minutes of polls every 10 s: a warning at once and one per 10 minutes, the rest debug.
    await process.until(
      () => process.scheduler.now() >= settledAt + 25 * 60_000,
      '25 minutes of polls',
    )
    const warnings = held().filter((event) => event.level === 'warn')
    expect(warnings).toHaveLength(3)
    expect(warnings[0]).toMatchObject({ command: 'START', task_id: 't1', entry: 1, reminder: true })
    expect(held().length).toBeGreaterThan(100)
    expect(held().every((event) => event.level === 'warn' || event.level === 'debug')).toBe(true)
    expect(taskIds(runs)).toEqual(['t1'])
    // SMS moves on: the next command runs and the status is ok again.
    sms.cancelCurrent(SERVER)
    await process.until(() => runs.length === 2, "t2's handler")
    await process.until(() => healthz().body.status === 'ok', 'status ok')
    expect(healthz().body.held_report).toBeNull()
    await process.stop()
  })

  it('backs off with capped full jitter on poll errors and slowly on 404', async () => {
    sms.fault('command', { kind: 'status', status: 500 }, 5)
    const process = await startAgent()
    await process.until(() => sms.requests.length === 6, 'six polls')
    // random() = 0.5: half of min(5000, 100 × 2^(n-1)).
    expect(process.scheduler.sleeps.slice(0, 5)).toEqual([50, 100, 200, 400, 800])
    const unknown = await startAgent({
      settings: { serverId: 'srv-unknown' },
      dir: await mkdtemp(join(tmpdir(), 'agent-loop-')),
    })
    await unknown.until(
      () => unknown.events().some((event) => event.event === 'poll.error'),
      'a 404',
    )
    const error = unknown.events().find((event) => event.event === 'poll.error')
    expect(error).toMatchObject({ status: '404', delay: 30_000 })
    expect(error?.msg).toContain('check --server-id')
    await process.stop()
    await unknown.stop()
  })

  it('cuts a stalled poll at the request deadline', async () => {
    sms.fault('command', { kind: 'hang' })
    const process = await startAgent()
    await process.until(() => process.events().some((event) => event.event === 'poll.error'), 'x')
    const error = process.events().find((event) => event.event === 'poll.error')
    expect(error).toMatchObject({ status: 'timeout', latency_ms: 2_000 })
    await process.stop()
  })

  it('on stop lets the running handler finish within the grace, then reports and exits 0', async () => {
    sms.enqueue(SERVER, START('t1'))
    const process = await startAgent({ hold: true })
    await process.until(() => runs.length === 1, 'the handler')
    process.agent.stop('SIGTERM')
    await process.scheduler.advance(1_000)
    process.held[0]?.resolve()
    await process.until(() => process.exitCode() !== undefined, 'exit')
    expect(process.exitCode()).toBe(0)
    expect(sms.results).toMatchObject([{ result: 'success' }])
  })

  it('terminates a handler that outlives the grace, journals it interrupted and flushes it', async () => {
    sms.enqueue(SERVER, START('t1'))
    const process = await startAgent({ hold: true })
    await process.until(() => runs.length === 1, 'the handler')
    process.agent.stop('SIGTERM')
    await process.until(() => process.exitCode() !== undefined, 'exit')
    expect(runs[0]?.signal.aborted).toBe(true)
    expect(process.scheduler.sleeps).toContain(3_000)
    expect(sms.results).toMatchObject([
      { result: 'fail', result_detail: { reason: 'interrupted' } },
    ])
    expect(process.eventNames()).toContain('handler.terminating')
  })

  it('while stopping, a handler killed by a signal the agent did not send is journaled interrupted and reported so', async () => {
    sms.enqueue(SERVER, START('t1'))
    const process = await startAgent({ hold: true })
    await process.until(() => runs.length === 1, 'the handler')
    process.agent.stop('SIGTERM')
    // systemd's KillMode=control-group: the handler got SIGTERM at the same instant.
    process.held[0]?.resolve({
      result: 'fail',
      detail: { ...success(runs[0] as RunRequest).detail, reason: 'signal', signal: 'SIGTERM' },
    })
    await process.until(() => process.exitCode() !== undefined, 'exit')
    expect(runs[0]?.signal.aborted).toBe(false)
    expect(sms.results).toMatchObject([
      { result: 'fail', result_detail: { reason: 'interrupted', signal: 'SIGTERM' } },
    ])
  })

  it('with --interrupted rerun, a handler killed by a foreign signal while stopping runs once more at the next start', async () => {
    sms.enqueue(SERVER, START('t1'))
    const settings = { interrupted: 'rerun' as const }
    const first = await startAgent({ hold: true, settings })
    await first.until(() => runs.length === 1, 'the handler')
    first.agent.stop('SIGTERM')
    first.held[0]?.resolve({
      result: 'fail',
      detail: { ...success(runs[0] as RunRequest).detail, reason: 'signal', signal: 'SIGTERM' },
    })
    await first.until(() => first.exitCode() !== undefined, 'exit')
    expect(sms.results).toHaveLength(0)
    expect(first.journal.entries()).toMatchObject([{ state: 'running', runs: 1 }])
    expect(first.eventNames()).toContain('command.interrupted')
    const second = await startAgent({ settings })
    await second.until(() => sms.results.length === 1, 'the rerun result')
    expect(runs).toHaveLength(2)
    expect(sms.results[0]).toMatchObject({ result: 'success' })
    await second.stop()
  })

  // A handler that prints a credential file (or its error quoting one) must not send the secret
  // to SMS, whose console shows result_detail to every operator, nor keep it in the journal.
  it('redacts the credentials it holds from the report and the journal file', async () => {
    sms.enqueue(SERVER, START('t1'))
    const secret = 'tok-HANDLER-SECRET-1'
    const process = await startAgent({ hold: true, settings: { secrets: [secret] } })
    await process.until(() => runs.length === 1, 'the handler')
    process.held[0]?.resolve({
      result: 'success',
      detail: { ...success(runs[0] as RunRequest).detail, output: `token: ${secret}\n` },
    })
    await process.until(() => settled(process.journal, 1), 'the acknowledgement')
    expect(sms.results[0]).toMatchObject({ result_detail: { output: 'token: [REDACTED]\n' } })
    expect(await readFile(join(dir, JOURNAL_FILE), 'utf8')).not.toContain(secret)
    expect(JSON.stringify(sms.results)).not.toContain(secret)
    await process.stop()
  })

  it('stops promptly when idle and sends nothing afterwards', async () => {
    const process = await startAgent()
    await process.until(() => sms.requests.length === 2, 'two polls')
    expect(await process.stop()).toBe(0)
    const count = sms.requests.length
    await process.scheduler.advance(60_000)
    expect(sms.requests.length).toBe(count)
  })

  it('--once handles one command, reports it and exits 0', async () => {
    sms.enqueue(SERVER, START('t1'), START('t2'))
    const process = await startAgent({ once: true })
    await process.until(() => process.exitCode() !== undefined, 'exit')
    expect(process.exitCode()).toBe(0)
    expect(taskIds(runs)).toEqual(['t1'])
    expect(sms.results).toHaveLength(1)
  })

  it('--once exits 4 when SMS cannot be polled', async () => {
    sms.fault('command', { kind: 'status', status: 503 }, 10)
    const process = await startAgent({ once: true })
    await process.until(() => process.exitCode() !== undefined, 'exit')
    expect(process.exitCode()).toBe(4)
  })

  it('--once exits 5 with the result kept; the next run reports it without rerunning', async () => {
    sms.enqueue(SERVER, START('t1'))
    sms.fault('command_result', { kind: 'status', status: 503 }, 10)
    const once = await startAgent({ once: true })
    await once.until(() => once.exitCode() !== undefined, 'exit')
    expect(once.exitCode()).toBe(5)
    expect(sms.results).toHaveLength(0)
    expect(once.eventNames()).toContain('outbox.pending')
    const daemon = await startAgent({ settings: { slowRetryMs: 10 } })
    await daemon.until(() => sms.results.length === 1, 'the result')
    expect(runs).toHaveLength(1)
    await daemon.stop()
  })

  it('--dry-run logs each command once and runs, reports and writes nothing', async () => {
    sms.enqueue(SERVER, START('t1'))
    const before = await readdir(dir)
    const process = await startAgent({ settings: { dryRun: true }, readOnly: true })
    await process.until(() => sms.requests.length === 4, 'four polls')
    expect(runs).toHaveLength(0)
    expect(posts()).toHaveLength(0)
    expect(process.eventNames().filter((name) => name === 'command.dry-run')).toHaveLength(1)
    expect(await readdir(dir)).toEqual(before)
    await process.stop()
  })

  it('counts polls, commands and reports in its metrics', async () => {
    sms.enqueue(SERVER, START('t1'))
    const process = await startAgent()
    await process.until(() => process.journal.active().length === 0 && runs.length === 1, 'done')
    const text = process.metrics.render()
    expect(text).toContain('sms_agent_commands_total{command="START",result="success"} 1')
    expect(text).toContain('sms_agent_reports_total{outcome="acknowledged"} 1')
    expect(text).toMatch(/sms_agent_polls_total\{outcome="command"\} 2/)
    await process.stop()
  })

  it('never writes the token into a log line', async () => {
    sms.enqueue(SERVER, START('t1'))
    sms.fault('command', { kind: 'status', status: 401 })
    sms.fault('command_result', { kind: 'network' })
    const process = await startAgent()
    await process.until(() => sms.results.length === 1, 'the result')
    await process.stop()
    expect(sms.headers.every((headers) => headers.get('X-Auth-Token') === TOKEN)).toBe(true)
    expect(process.lines.length).toBeGreaterThan(5)
    for (const line of process.lines) expect(line).not.toContain(TOKEN)
  })
})
