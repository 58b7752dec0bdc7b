import type { SmsClient } from '../client/create-sms-client.ts'
import { createAgentEvents } from '../events/emitter.ts'
import { CommandDelivery, type DeliveryPassResult } from './command-delivery.ts'
import { type DeliveryEvent, deliveryEvent } from './delivery-event.ts'
import type { DeliveryOptions } from './delivery-options.ts'

/**
 * One pass, what `sms-agent --once` does: polls, runs what is new (at most `maxCommands`, default
 * 1), reports what is due once a poll shows its command still current, settles what SMS moved
 * past, and resolves when nothing more is to be done now. Results that could not be reported
 * stay in the journal and go out at the next pass.
 *
 * @throws {JournalStoreError} when the journal store failed during the pass (after the pass did
 * what it safely could); the next pass over the same store resumes.
 * @throws {SmsInputError} for a bad server id or option, before anything is sent.
 * @example
 * const journal = memoryJournal()
 * const run = async (command, { signal }) => ({ result: 'success', result_detail: { took_ms: 1200 } })
 * const { polled, outbox } = await deliverOnce(client, serverId, { journal, run, signal })
 */
export function deliverOnce(
  client: Pick<SmsClient, 'getCommand' | 'reportResult'>,
  serverId: string,
  options: DeliveryOptions,
): Promise<DeliveryPassResult> {
  try {
    return new CommandDelivery(client, serverId, options).runOnce()
  } catch (error) {
    // A bad option is a rejection like every other failure of the pass, not a synchronous throw.
    return Promise.reject(error)
  }
}

/**
 * Delivers commands until `signal` aborts, as an async iterable of the delivery's events (the
 * agent's event stream, `@sms-command/core/events`). When the signal aborts, a running command
 * gets `shutdownGraceMs`, the outbox is flushed (bounded), and the iteration ends. Leaving the
 * loop early (`break`) stops the delivery the same way.
 *
 * @throws {SmsInputError} for a bad server id or option.
 * @example
 * for await (const event of deliverCommands(client, serverId, { journal, run, intervalMs: 10_000, signal })) {
 *   if (event.level !== 'debug') console.log(event.time, event.event, event.msg ?? '')
 * }
 */
export async function* deliverCommands(
  client: Pick<SmsClient, 'getCommand' | 'reportResult'>,
  serverId: string,
  options: DeliveryOptions,
): AsyncGenerator<DeliveryEvent, void, undefined> {
  const queue: DeliveryEvent[] = []
  let notify: (() => void) | undefined
  const events =
    options.events ??
    createAgentEvents({ now: () => (options.scheduler ?? { now: Date.now }).now() })
  const unsubscribe = events.subscribe((event, context) => {
    queue.push(deliveryEvent(event, context, serverId))
    notify?.()
  })
  const delivery = new CommandDelivery(client, serverId, { ...options, events })
  let finished = false
  let failure: { error: unknown } | undefined
  const running = delivery.run().then(
    () => {
      finished = true
      notify?.()
    },
    (error: unknown) => {
      failure = { error }
      finished = true
      notify?.()
    },
  )
  try {
    for (;;) {
      while (queue.length > 0) yield queue.shift() as DeliveryEvent
      if (finished) break
      await new Promise<void>((resolve) => {
        notify = resolve
      })
      notify = undefined
    }
    if (failure) throw failure.error
  } finally {
    if (!finished) {
      delivery.stop('the event iteration ended')
      await running
    }
    unsubscribe()
  }
}
