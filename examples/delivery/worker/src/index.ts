/**
 * A Cloudflare Worker that delivers SMS commands exactly once on a cron trigger: each tick, one
 * Durable Object per source server makes one delivery pass (`deliverOnce`), with the delivery
 * journal in that object's storage. A command is carried out by POSTing it to your handler
 * service (`SMS_HANDLER_URL`), whose answer is the result reported to SMS.
 *
 * Settings (wrangler.toml `[vars]`, and secrets with `wrangler secret put NAME`):
 *   SMS_ENDPOINT       var     https://sms.ap-southeast-1.myhuaweicloud.com
 *   SMS_SERVER_IDS     var     the source servers this Worker serves, comma-separated
 *   SMS_HANDLER_URL    var     where each command is POSTed to be carried out
 *   SMS_TOKEN          secret  an IAM token for SMS (never sent to the handler, never logged)
 *   SMS_HANDLER_TOKEN  secret  optional: sent to the handler as `Authorization: Bearer …`
 *
 * The handler receives `{ server_id, delivery, command }` as JSON (`delivery` is the same for
 * every attempt at one command: use it to make the work idempotent) and answers 2xx with
 * `{ "result": "success" | "fail", "result_detail": { … } }`. Any other answer is reported `fail`.
 */

import { DurableObject } from 'cloudflare:workers'
import { createSmsClient, staticToken } from '@sms-command/core'
import {
  commandKey,
  type DeliveryEvent,
  type DeliveryPassResult,
  deliverOnce,
  type JournalStore,
  type RunCommand,
} from '@sms-command/core/delivery'

export interface Env {
  SMS_ENDPOINT: string
  SMS_SERVER_IDS: string
  SMS_HANDLER_URL: string
  SMS_TOKEN: string
  SMS_HANDLER_TOKEN?: string
  DELIVERY: DurableObjectNamespace<DeliveryObject>
}

/** What one server's pass came to, as the cron handler logs it. */
export type PassReport =
  | ({ server_id: string } & DeliveryPassResult)
  | { server_id: string; skipped: string }
  | { server_id: string; error: string }

/** The journal's key in the object's storage. */
const JOURNAL_KEY = 'journal'
/** How many new commands one pass may carry out (the next tick takes the rest). */
const MAX_COMMANDS_PER_PASS = 5
/** A handler that has not answered by then is cut off, and the run reported `fail`. */
const HANDLER_TIMEOUT_MS = 60_000

/**
 * Carries a command out by POSTing it to the handler service. A failed or unreadable answer is
 * thrown, which core reports `fail` with the error's message; the handler's token is in no error.
 */
function postToHandler(env: Env, serverId: string): RunCommand {
  return async (command, { signal }) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/json' }
    if (env.SMS_HANDLER_TOKEN) headers.Authorization = `Bearer ${env.SMS_HANDLER_TOKEN}`
    const response = await fetch(env.SMS_HANDLER_URL, {
      method: 'POST',
      headers,
      body: JSON.stringify({ server_id: serverId, delivery: commandKey(command), command }),
      signal: AbortSignal.any([signal, AbortSignal.timeout(HANDLER_TIMEOUT_MS)]),
    })
    if (!response.ok) throw new Error(`the handler answered HTTP ${response.status}`)
    const answer = (await response.json()) as { result?: unknown; result_detail?: unknown }
    if (answer.result !== 'success' && answer.result !== 'fail') {
      throw new Error('the handler answered without result "success" or "fail"')
    }
    const detail = answer.result_detail
    return {
      result: answer.result,
      result_detail:
        typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>) : {},
    }
  }
}

/**
 * One per source server (`idFromName(serverId)`): the delivery journal of that server lives in
 * this object's storage, and only this object delivers that server's commands, so two ticks or
 * two Worker instances never deliver one server at once.
 */
export class DeliveryObject extends DurableObject<Env> {
  /** Saves resolve once storage has the value: what core's JournalStore asks for. */
  private readonly journal: JournalStore = {
    name: 'durable object storage',
    load: () => this.ctx.storage.get(JOURNAL_KEY),
    save: (state) => this.ctx.storage.put(JOURNAL_KEY, state),
  }
  private passing = false

  /** One delivery pass for `serverId` (called by the cron handler over RPC). */
  async deliver(serverId: string): Promise<PassReport> {
    // A tick that comes while the last pass still runs (a slow handler) leaves it alone.
    if (this.passing) return { server_id: serverId, skipped: 'the previous pass is still running' }
    // A missing setting would otherwise fail every command it runs: stop before polling instead.
    const missing = (['SMS_ENDPOINT', 'SMS_TOKEN', 'SMS_HANDLER_URL'] as const).filter(
      (name) => !this.env[name],
    )
    if (missing.length > 0) {
      return { server_id: serverId, error: `not set: ${missing.join(', ')} (nothing was polled)` }
    }
    this.passing = true
    try {
      const client = createSmsClient({
        endpoint: this.env.SMS_ENDPOINT,
        auth: staticToken(this.env.SMS_TOKEN),
      })
      const pass = await deliverOnce(client, serverId, {
        journal: this.journal,
        run: postToHandler(this.env, serverId),
        maxCommands: MAX_COMMANDS_PER_PASS,
        onEvent: (event: DeliveryEvent) => {
          if (event.level !== 'debug') console.log(JSON.stringify(event))
        },
      })
      return { server_id: serverId, ...pass }
    } catch (error) {
      // A journal that could not be saved or read (JournalStoreError), a bad setting: the next
      // tick resumes from what storage holds.
      return { server_id: serverId, error: error instanceof Error ? error.message : String(error) }
    } finally {
      this.passing = false
    }
  }

  /** The journal as storage holds it: for a status page or a look from `wrangler dev`. */
  async journalState(): Promise<unknown> {
    return (await this.ctx.storage.get(JOURNAL_KEY)) ?? null
  }
}

export default {
  /** Each cron tick: one pass per server, each in its own Durable Object, all at once. */
  async scheduled(_controller: ScheduledController, env: Env, _ctx: ExecutionContext) {
    const serverIds = env.SMS_SERVER_IDS.split(',')
      .map((id) => id.trim())
      .filter(Boolean)
    const reports = await Promise.all(
      serverIds.map((serverId) =>
        env.DELIVERY.get(env.DELIVERY.idFromName(serverId))
          .deliver(serverId)
          .catch((error: unknown): PassReport => ({ server_id: serverId, error: String(error) })),
      ),
    )
    for (const report of reports) console.log(JSON.stringify({ event: 'pass.done', ...report }))
  },

  /** Nothing is served over HTTP: delivery happens on the cron trigger. */
  async fetch(): Promise<Response> {
    return new Response('sms-delivery runs on a cron trigger; nothing is served here\n', {
      status: 404,
    })
  },
}
