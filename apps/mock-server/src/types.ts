import type { MockWireCommand } from '@sms-command/core/events'

/** The account every mock has, which credentials and servers belong to unless they name another. */
export const DEFAULT_ACCOUNT = 'demo'

/** Delivery model: `ack` keeps the head current until its result (docs/api.md §2); `pop` hands it out once. */
export type DeliveryMode = 'ack' | 'pop'

/** Every delivery model, as flags, scenarios and the admin API name them. */
export const DELIVERY_MODES = ['ack', 'pop'] as const satisfies readonly DeliveryMode[]

/**
 * What `GET .../command` answers when nothing is pending (docs/api.md §1 lists them all):
 * - `empty-name`: 200 `{"command_name":"","command_param":{}}` (default)
 * - `empty-object`: 200 `{}`
 * - `null-name`: 200 `{"command_name":null}`
 * - `null-body`: 200 `null`
 * - `empty-body`: 200 with no body
 * - `no-content`: 204
 */
export type IdleShape =
  | 'empty-name'
  | 'empty-object'
  | 'null-name'
  | 'null-body'
  | 'empty-body'
  | 'no-content'

export const IDLE_SHAPES: readonly IdleShape[] = [
  'empty-name',
  'empty-object',
  'null-name',
  'null-body',
  'empty-body',
  'no-content',
]

/** A command as served on the wire: core's mock command (its name and parameters) without `seq`. */
export type WireCommand = Omit<MockWireCommand, 'seq'>

/** A command in a server's queue. */
export interface QueuedCommand extends WireCommand {
  /** Per-server sequence number, from 1. */
  seq: number
  /** Mock-clock ms when it entered the queue (or is due to, for a scheduled one). */
  enqueuedAt: number
  /** Times a GET returned it. */
  deliveries: number
  firstDeliveredAt: number | null
}

/** A recorded `command_result`, stored with the command it answers. */
export interface ResultRecord {
  command: WireCommand & { seq: number }
  result: 'success' | 'fail'
  result_detail: Record<string, unknown>
  reportedAt: number
  requestId: string
}

/** An IAM account (domain). */
export interface AccountRecord {
  id: string
  name: string
  projects: { id: string; name: string }[]
}

/** Who made a request, once authenticated. Never holds the credential itself. */
export interface Principal {
  kind: 'static-token' | 'iam-token' | 'ak-sk'
  account: string
  /** User name, AK, or a fingerprint of a static token. */
  name: string
  /**
   * The IAM user an access key belongs to, when its scenario names one: the rate limit then
   * counts the key against that user's budget, as API Gateway's per-user limits do.
   */
  user?: string
}

export type AuthFailureReason =
  | 'missing'
  | 'unknown-token'
  | 'expired-token'
  | 'revoked-token'
  | 'malformed-signature'
  | 'unknown-ak'
  | 'bad-signature'
  | 'clock-skew'
  | 'ak-locked'
  | 'domain-mismatch'

export type AuthOutcome =
  | { ok: true; principal: Principal }
  | { ok: false; reason: AuthFailureReason; message: string }

/** Which API a request hit, for faults and the journal. */
export type RouteName = 'command' | 'command_result' | 'sources' | 'iam' | 'openapi' | 'other'

/** One line of the request journal. Holds no credential, body or header value. */
export interface RequestLogEntry {
  seq: number
  at: string
  requestId: string
  method: string
  path: string
  route: RouteName
  serverId?: string
  status: number
  durationMs: number
  /**
   * Who made the request, whenever the credential was checked and accepted: on its success, and
   * on every refusal after that check (a throttled request's 429, a 403, a 400…) too.
   */
  auth?: { kind: Principal['kind']; account: string; name: string }
  /**
   * Why the credential was refused (a 401 of the SMS routes, the fleet list or IAM): the mock's
   * precise reason, the `auth-failure` event's `reason`, which the answer itself never tells.
   */
  authFailure?: AuthFailureReason | 'iam-password'
  errorCode?: string
  command?: string
  faults?: FaultHit[]
}

/** A journal entry as recorded: its time in ms, formatted only when read. */
export type RequestLogInput = Omit<RequestLogEntry, 'seq' | 'at'> & { atMs: number }

/** A fault that fired on a request, as recorded in the journal and events. */
export interface FaultHit {
  id: string
  kind: string
  /** The PRNG seed of a probabilistic fault, and which draw fired: enough to replay the run. */
  seed?: number
  draw?: number
  detail?: string
}

// The live stream's events (`GET /_mock/events`) are declared once, in core, with the consumers'
// schemas: `MockEvent` (numbered and dated) and `NewMockEvent` (as built, before the hub numbers it).
export type {
  MockEvent,
  MockEventType,
  MockServerSummary,
  NewMockEvent,
} from '@sms-command/core/events'
