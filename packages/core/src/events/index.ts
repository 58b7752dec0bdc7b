/**
 * `@sms-command/core/events`: the typed event protocol the apps meet on. Each stream's events are
 * declared once as valibot schemas: the agent's log and `/events` stream (discriminated by
 * `event`), which `@sms-command/core/delivery` emits, and the mock's `/_mock/events` stream
 * (discriminated by `type`, each queue change carrying the server's resulting summary).
 * Producers are typed by them; consumers parse with them.
 *
 * @example
 * import { parseAgentEvent } from '@sms-command/core/events'
 * const parsed = parseAgentEvent(line)
 * if (parsed.success) console.log(parsed.event.event)
 * else console.warn(parsed.error.message)
 *
 * @module
 */
export * from './agent-events.ts'
export * from './emitter.ts'
export * from './error-fields.ts'
export * from './event-levels.ts'
export * from './mock-events.ts'
export * from './parse-event.ts'
export * from './redact.ts'
