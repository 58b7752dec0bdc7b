import { isSmsApiError } from '../errors/sms-api-error.ts'
import type { AgentEvents } from '../events/emitter.ts'
import { errorFields } from '../events/error-fields.ts'
import type { PollEvent } from '../poll/poll-commands.ts'
import { errorLabel, pollErrorAdvice } from './advice.ts'

/**
 * Turns core's poll events into the agent event stream (`poll.idle`, `poll.command`,
 * `poll.error` with advice, `poll.recovered` after a failure streak).
 *
 * @example
 * const observer = new PollObserver(events)
 * for await (const poll of pollCommands(client, serverId)) observer.observe(poll)
 */
export class PollObserver {
  private consecutiveErrors = 0

  constructor(private readonly events: AgentEvents) {}

  /** Emits what `event` means. */
  observe(event: PollEvent): void {
    const when = { at: event.at }
    if (event.type === 'error') {
      this.consecutiveErrors++
      // What the server asked for when it was more than the loop waits (core capped it).
      const requested =
        event.retryAfterClampedFromMs ??
        (isSmsApiError(event.error) ? event.error.retryAfterClampedFromMs : undefined)
      const advice = pollErrorAdvice(event.error, {
        delayMs: event.nextDelayMs,
        clampedFromMs: requested,
      })
      this.events.emit(
        {
          event: 'poll.error',
          attempt: this.consecutiveErrors,
          delay: event.nextDelayMs,
          ...(requested === undefined ? {} : { retry_after_requested_ms: requested }),
          status: errorLabel(event.error),
          latency_ms: event.latencyMs,
          service: advice.service,
          ...(advice.check ? { check: advice.check } : {}),
          msg: advice.msg,
          error: errorFields(event.error),
        },
        { ...when, cause: event.error },
      )
      return
    }
    if (this.consecutiveErrors > 0) {
      this.events.emit(
        {
          event: 'poll.recovered',
          attempt: this.consecutiveErrors,
          msg: `SMS answered again after ${this.consecutiveErrors} failed poll(s)`,
        },
        when,
      )
    }
    this.consecutiveErrors = 0
    if (event.type === 'idle') {
      this.events.emit(
        { event: 'poll.idle', latency_ms: event.latencyMs, delay: event.nextDelayMs },
        when,
      )
    } else {
      this.events.emit(
        {
          event: 'poll.command',
          command: event.command.command_name,
          task_id: event.command.command_param.task_id,
          latency_ms: event.latencyMs,
        },
        when,
      )
    }
  }
}
