// Type tests: checked by `tsc` (the typecheck task), not run.
import { expectTypeOf } from 'vitest'
import type {
  AgentEvent,
  AgentEventFieldMap,
  AgentEventFields,
  AgentEventName,
  MockEvent,
  MockServerSummary,
  NewMockEvent,
} from './index.ts'
import { parseAgentEvent, parseMockEvent } from './index.ts'

expectTypeOf<AgentEventName>().extract<'poll.idle'>().toEqualTypeOf<'poll.idle'>()
expectTypeOf<AgentEventName>().extract<'report.presumed-recorded'>().not.toBeNever()
// A name the agent does not emit is not an event name.
expectTypeOf<AgentEventName>().extract<'poll.idel'>().toBeNever()

// Producers: fields keyed by the event name.
const idle: AgentEventFields<'poll.idle'> = { latency_ms: 12, delay: 10_000 }
expectTypeOf(idle.latency_ms).toEqualTypeOf<number | undefined>()
// @ts-expect-error latency_ms is a number
const badIdle: AgentEventFields<'poll.idle'> = { latency_ms: '12' }
// @ts-expect-error command.finish needs its result
const noResult: AgentEventFields<'command.finish'> = { exit_code: 0 }
// @ts-expect-error an undeclared field is a reshaped event
const extra: AgentEventFields<'agent.exit'> = { exit_code: 0, code: 0 }
expectTypeOf<AgentEventFieldMap['agent.exit']['exit_code']>().toEqualTypeOf<number>()
void [badIdle, noResult, extra]

// Consumers: parsing narrows by name.
const parsed = parseAgentEvent('{}')
if (parsed.success) {
  expectTypeOf(parsed.event).toEqualTypeOf<AgentEvent>()
  if (parsed.event.event === 'command.finish') {
    expectTypeOf(parsed.event.result).toEqualTypeOf<'success' | 'fail'>()
  }
} else {
  expectTypeOf(parsed.error.field).toBeString()
}

const mock = parseMockEvent('{}')
if (mock.success && mock.event.type === 'delivery') {
  expectTypeOf(mock.event.state).toEqualTypeOf<MockServerSummary>()
  expectTypeOf(mock.event.detail.mode).toEqualTypeOf<'ack' | 'pop'>()
}
expectTypeOf<MockEvent['type']>().extract<'result-rejected'>().not.toBeNever()

// The mock's producers must say what each queue change did.
// @ts-expect-error an enqueue event carries the server's resulting summary
const noEffect: NewMockEvent = {
  type: 'enqueue',
  serverId: 's',
  command: { seq: 1, command_name: 'START', command_param: {} },
  detail: { queueLength: 1 },
}
void noEffect

// A field an event declares replaces the common one.
expectTypeOf<AgentEventFields<'poll.command'>['command']>().toEqualTypeOf<string>()
expectTypeOf<Extract<MockEvent, { type: 'enqueue' }>['serverId']>().toEqualTypeOf<string>()
