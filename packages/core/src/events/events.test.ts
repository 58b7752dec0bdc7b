import { describe, expect, it } from 'vitest'
import { AGENT_EVENT_NAMES, type AgentEventName } from './agent-events.ts'
import { MOCK_EVENT_TYPES, type MockEventType, type MockServerSummary } from './mock-events.ts'
import {
  isEventValidationError,
  parseAgentEvent,
  parseAgentEventEnvelope,
  parseMockEvent,
} from './parse-event.ts'

const envelope = { time: '2026-01-01T00:00:00.000Z', level: 'info', server_id: 'srv-1' }
const error = { name: 'SmsApiError', message: 'HTTP 503', status: 503, error_code: 'SMS.0503' }
const command = { command: 'START', task_id: 't-1' }

/** One valid event of each agent event name, as the agent logs it. */
const AGENT_SAMPLES: Record<AgentEventName, Record<string, unknown>> = {
  'agent.start': {
    version: '0.1.0',
    runtime: 'node 20.19.0',
    pid: 42,
    endpoint: 'https://sms.example.test',
    auth: 'token',
    state_dir: null,
    mode: 'daemon',
    dry_run: false,
    delay: 10_000,
  },
  'status.listening': { url: 'http://127.0.0.1:9464', msg: 'status on …' },
  'status.error': { error },
  'status.unavailable': {
    url: 'http://127.0.0.1:9464',
    attempt: 1,
    delay: 1_000,
    error: { name: 'Error', message: 'listen EADDRINUSE: address already in use 127.0.0.1:9464' },
  },
  'log.stream-closed': { stream: 'stdout', error: { name: 'Error', message: 'write EPIPE' } },
  'lock.stale': { pid: 1, reason: 'pid 1 now belongs to "/sbin/init"', msg: 'took over the lock' },
  'state.machine-unproven': { msg: 'no machine id or firmware uuid is readable' },
  'state.adopted': { msg: 'took over a journal written on another machine' },
  'proxy.configured': { proxy: 'http://proxy.corp:3128', msg: 'requests go through a proxy' },
  'clock.skew': { offset_ms: -1_200_000, source: 'gateway', msg: 'the clock is 20 min behind' },
  'journal.recovered': { outbox: 1, received: 0 },
  'journal.error': { attempt: 2, delay: 1_000, error },
  'state.error': { kind: 'locked', path: '/var/lib/sms-agent', msg: 'locked' },
  'handler.orphan-stopped': { ...command, pid: 77 },
  'handler.terminating': { ...command, msg: 'grace ran out' },
  'handler.start-deferred': {
    ...command,
    attempt: 1,
    delay: 1_000,
    handler: '/usr/local/lib/sms-agent/handler',
    problem: 'crlf',
    give_up_at: '2026-11-29T20:02:00.000Z',
    error,
  },
  'handler.output-held': {
    ...command,
    handler: '/usr/local/lib/sms-agent/handler',
    path: '/var/lib/sms-agent/output/4242-1764446400000.log',
  },
  'auth.refresh': { auth: 'iam-password', msg: 'token refreshed' },
  'auth.refresh-failed': { auth: 'iam-password', error },
  'auth.rejection-kept': {
    path: '/var/lib/sms-agent/iam-rejection.json',
    rejected_at: '2026-11-29T20:00:00.000Z',
  },
  'secrets.file-access': {
    path: 'C:\\sms\\token',
    verdict: 'exposed',
    readable_by: 'BUILTIN\\Users',
  },
  'request.retry': { attempt: 1, delay: 500, method: 'GET', error },
  'poll.idle': { latency_ms: 12, delay: 10_000 },
  'poll.command': { ...command, latency_ms: 15 },
  'poll.error': {
    attempt: 1,
    delay: 300_000,
    status: 429,
    latency_ms: 30,
    error,
    retry_after_requested_ms: 86_400_000,
  },
  'poll.recovered': { attempt: 3 },
  'command.received': { ...command, bucket: 'b', entry: 'e-1' },
  'command.dry-run': { ...command, bucket: 'b' },
  'command.rejected': { ...command, reason: 'no-handler', msg: 'no handler for START' },
  'command.start': { ...command, handler: '/etc/sms-agent/handlers/START', entry: 'e-1' },
  'command.finish': { ...command, result: 'fail', exit_code: 3, signal: null, duration_ms: 812 },
  'command.interrupted': { ...command },
  'command.rerun': { ...command },
  'command.superseded': { ...command },
  'report.send': { ...command, attempt: 1, entry: 'e-1', result: 'success' },
  'report.acknowledged': { ...command, result: 'success', status: 200, request_id: 'r-1' },
  'report.rejected': { ...command, status: 400, error },
  'report.invalid': { ...command, error },
  'report.refused': { ...command, status: 400, error, entry: 3 },
  'report.trimmed': { ...command, entry: 3, bytes: 9_700 },
  'report.held': {
    ...command,
    entry: 'e-1',
    held_since: '2026-11-29T20:00:00.000Z',
    reminder: true,
  },
  'report.error': { ...command, delay: 2_000, status: 'timeout', error },
  'report.superseded': { ...command, result: 'fail' },
  'report.presumed-recorded': { ...command, attempt: 2 },
  'outbox.flush': { outbox: 2, delay: 5_000 },
  'outbox.pending': { outbox: 1 },
  'signal.received': { signal: 'SIGTERM', attempt: 1 },
  'agent.stopping': { reason: 'SIGTERM', delay: 30_000 },
  'agent.exit-now': { signal: 'SIGINT', exit_code: 130 },
  'agent.exit': { exit_code: 0 },
  'agent.crash': { error },
}

/** Each event reshaped: a field of the wrong type, and the field the error must name. */
const AGENT_RESHAPED: Partial<Record<AgentEventName, [Record<string, unknown>, string]>> = {
  'poll.idle': [{ latency_ms: '12' }, 'latency_ms'],
  'poll.error': [{ error: { ...error, status: '503' } }, 'error.status'],
  'command.finish': [{ result: 'ok' }, 'result'],
  'agent.exit': [{ exit_code: undefined }, 'exit_code'],
  'poll.command': [{ command: 42 }, 'command'],
  'status.listening': [{ url: undefined }, 'url'],
}

const SUMMARY: MockServerSummary = {
  current: {
    seq: 1,
    command_name: 'START',
    command_param: { task_id: 't-1' },
    deliveries: 1,
    enqueuedAt: '2026-01-01T00:00:00.000Z',
  },
  queued: 2,
  awaiting: 0,
  scheduled: 0,
}
const wireCommand = { seq: 1, command_name: 'START', command_param: { task_id: 't-1' } }
const mockBase = { seq: 9, at: '2026-01-01T00:00:01.000Z' }

/** One valid event of each mock type, as the mock publishes it. */
const MOCK_SAMPLES: Record<MockEventType, Record<string, unknown>> = {
  server: { serverId: 'srv-1', reason: 'registered', detail: { domain: 'acme' }, state: SUMMARY },
  enqueue: { serverId: 'srv-1', command: wireCommand, detail: { queueLength: 3 }, state: SUMMARY },
  delivery: {
    serverId: 'srv-1',
    requestId: 'req-1',
    command: wireCommand,
    detail: { deliveries: 1, mode: 'ack' },
    state: SUMMARY,
  },
  result: {
    serverId: 'srv-1',
    requestId: 'req-2',
    command: wireCommand,
    result: 'success',
    detail: { result_detail: { exit_code: 0 } },
    state: { current: null, queued: 0, awaiting: 0, scheduled: 0 },
  },
  'result-rejected': {
    serverId: 'srv-1',
    requestId: 'req-3',
    reason: 'mismatch',
    message: 'result for "STOP" while "START" is current',
  },
  'auth-failure': { requestId: 'req-4', reason: 'expired', message: 'token expired' },
  fault: { serverId: 'srv-1', requestId: 'req-5', fault: { id: 'f1', kind: 'status' } },
  'fault-added': { fault: { id: 'f2', kind: 'latency', seed: 7 } },
  token: { reason: 'issued', detail: { user: 'ops', account: 'acme', token: 'fp:1234' } },
  clock: { detail: { from: '2026-01-01T00:00:00.000Z', offsetMs: 60_000 } },
  reset: {},
}

const MOCK_RESHAPED: Partial<Record<MockEventType, [Record<string, unknown>, string]>> = {
  enqueue: [{ state: undefined }, 'state'],
  delivery: [{ state: { ...SUMMARY, queued: -1 } }, 'state.queued'],
  result: [{ result: 'ok' }, 'result'],
  token: [{ reason: 'stolen' }, 'reason'],
  clock: [{ detail: { from: '…', offsetMs: '60s' } }, 'detail.offsetMs'],
}

describe('parseAgentEvent', () => {
  it('knows every event name the agent logs', () => {
    // AGENT_SAMPLES is typed by the names: a name added to the schema needs a sample here.
    expect([...AGENT_EVENT_NAMES].sort()).toEqual(Object.keys(AGENT_SAMPLES).sort())
    expect(new Set(AGENT_EVENT_NAMES).size).toBe(AGENT_EVENT_NAMES.length)
  })

  it.each(Object.entries(AGENT_SAMPLES))('parses a valid %s event', (event, fields) => {
    const input = { ...envelope, event, ...fields }
    const parsed = parseAgentEvent(JSON.stringify(input))
    expect(parsed.success).toBe(true)
    if (parsed.success) expect(parsed.event).toEqual(JSON.parse(JSON.stringify(input)))
  })

  it.each(Object.entries(AGENT_RESHAPED))(
    'refuses a reshaped %s event, naming the field',
    (event, reshaped) => {
      const [change, field] = reshaped as [Record<string, unknown>, string]
      const fields = AGENT_SAMPLES[event as AgentEventName]
      const parsed = parseAgentEvent({ ...envelope, event, ...fields, ...change })
      expect(parsed.success).toBe(false)
      if (parsed.success) return
      expect(isEventValidationError(parsed.error)).toBe(true)
      expect(parsed.error.field).toBe(field)
      expect(parsed.error.message).toContain(`agent event ${event}: ${field}:`)
      expect(parsed.error.unknownEvent).toBe(false)
    },
  )

  it('refuses an unknown event name but keeps its envelope readable', () => {
    const text = JSON.stringify({ ...envelope, level: 'warn', event: 'disk.full', msg: 'no space' })
    const parsed = parseAgentEvent(text)
    expect(parsed.success).toBe(false)
    if (parsed.success) return
    expect(parsed.error).toMatchObject({
      unknownEvent: true,
      field: 'event',
      eventName: 'disk.full',
    })
    expect(parseAgentEventEnvelope(text)).toMatchObject({ event: 'disk.full', msg: 'no space' })
  })

  it('refuses text that is not JSON without quoting it', () => {
    const parsed = parseAgentEvent('{"token":"secret-value"')
    expect(parsed.success).toBe(false)
    if (parsed.success) return
    expect(parsed.error.field).toBe('$')
    expect(parsed.error.message).not.toContain('secret-value')
    expect(parseAgentEventEnvelope('nope')).toBeUndefined()
  })

  it('drops fields it does not know', () => {
    const parsed = parseAgentEvent({ ...envelope, event: 'poll.idle', latency_ms: 3, extra: 1 })
    expect(parsed.success && 'extra' in parsed.event).toBe(false)
  })
})

describe('parseMockEvent', () => {
  it('knows every mock event type', () => {
    expect([...MOCK_EVENT_TYPES].sort()).toEqual(Object.keys(MOCK_SAMPLES).sort())
  })

  it.each(Object.entries(MOCK_SAMPLES))('parses a valid %s event', (type, fields) => {
    const input = { ...mockBase, type, ...fields }
    const parsed = parseMockEvent(JSON.stringify(input))
    expect(parsed.success).toBe(true)
    if (parsed.success) expect(parsed.event).toEqual(input)
  })

  it.each(Object.entries(MOCK_RESHAPED))(
    'refuses a reshaped %s event, naming the field',
    (type, reshaped) => {
      const [change, field] = reshaped as [Record<string, unknown>, string]
      const parsed = parseMockEvent({
        ...mockBase,
        type,
        ...MOCK_SAMPLES[type as MockEventType],
        ...change,
      })
      expect(parsed.success).toBe(false)
      if (parsed.success) return
      expect(parsed.error.field).toBe(field)
      expect(parsed.error.message).toContain(`mock event ${type}: ${field}:`)
    },
  )

  it('refuses an unknown type, naming the field', () => {
    const parsed = parseMockEvent({ ...mockBase, type: 'explode' })
    expect(parsed.success).toBe(false)
    if (!parsed.success) expect(parsed.error).toMatchObject({ field: 'type', unknownEvent: true })
  })
})
