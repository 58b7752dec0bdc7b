/**
 * The mock's events as written types (`GET /_mock/events`), type by type. The schemas in
 * `mock-events.ts` are checked against these at compile time (same types, same fields), so the
 * two can't drift; these are what the API and JSR's explicit-type rule see.
 *
 * @module
 */
import type { NoOwnFields } from './agent-event-types.ts'

/** A command as the mock sends it in events: the wire command plus its per-server `seq`. */
export interface MockWireCommand {
  seq: number
  command_name: string
  command_param: { task_id?: string | undefined; bucket?: string | undefined; [x: string]: unknown }
}

/** The command a server is busy with, as {@link MockServerSummary} shows it. */
export interface MockCurrentCommand extends MockWireCommand {
  /** Times a GET returned it: 0 means nobody fetched it yet. */
  deliveries: number
  /** When it entered the queue (mock clock, ISO 8601). */
  enqueuedAt: string | null
}

/**
 * A server's queue after an event: what it is busy with, and how much waits behind it. The
 * effect every queue-changing event carries.
 */
export interface MockServerSummary {
  /**
   * The command the server is busy with: the oldest one handed out and awaiting its result
   * (`pop` delivery), else the head of the queue (which `ack` delivery keeps current until its
   * result). `null` when nothing is pending.
   */
  current: MockCurrentCommand | null
  /** Commands pending besides `current` (queued, or handed out and awaiting a result). */
  queued: number
  /** Commands handed out in `pop` mode and awaiting their result (`current` among them). */
  awaiting: number
  /** Commands scheduled for later release, not yet queued. */
  scheduled: number
}

/** A fault that fired on a request, or was added. */
export interface MockFault {
  id: string
  kind: string
  seed?: number | undefined
  draw?: number | undefined
  detail?: string | undefined
}

/** What the event hub adds to every mock event, and the server it concerns when there is one. */
export interface MockEventStamp {
  /** The event's number in the stream (SSE `id:`). */
  seq: number
  /** When it happened, on the mock clock (ISO 8601). */
  at: string
  requestId?: string | undefined
  serverId?: string | undefined
}

/** Each mock event type's own fields (a field declared here replaces the stamp's: `serverId`). */
export interface MockEventOwnFields {
  server: {
    serverId: string
    reason: 'registered' | 'auto-registered' | 'deleted'
    detail?: { domain?: string | undefined } | undefined
    /** Its queue, when the producer says (a new server's queue is empty). */
    state?: MockServerSummary | undefined
  }
  enqueue: {
    serverId: string
    command: MockWireCommand
    detail: { queueLength: number; released?: boolean | undefined }
    state: MockServerSummary
  }
  delivery: {
    serverId: string
    command: MockWireCommand
    detail: { deliveries: number; mode: 'ack' | 'pop' }
    state: MockServerSummary
  }
  result: {
    serverId: string
    command: MockWireCommand
    result: 'success' | 'fail'
    detail: { result_detail: { [x: string]: unknown } }
    state: MockServerSummary
  }
  'result-rejected': {
    serverId: string
    reason: string
    message: string
    state?: MockServerSummary | undefined
  }
  'auth-failure': {
    reason: string
    message: string
  }
  fault: {
    fault: MockFault
  }
  'fault-added': {
    fault: MockFault
  }
  token: {
    reason: 'issued' | 'expired' | 'revoked'
    detail: {
      user?: string | undefined
      account?: string | undefined
      /** A fingerprint of the token, never the token. */
      token?: string | undefined
      count?: number | undefined
    }
  }
  clock: {
    detail: { from: string; offsetMs: number }
  }
  reset: NoOwnFields
}

/** Every mock event type. */
export type MockEventType = keyof MockEventOwnFields

/** The mock event of type `Type`. */
export type MockEventOf<Type extends MockEventType> = Omit<
  MockEventStamp,
  keyof MockEventOwnFields[Type]
> & { type: Type } & MockEventOwnFields[Type]

/** Any mock event, discriminated by `type`. */
export type MockEvent = { [Type in MockEventType]: MockEventOf<Type> }[MockEventType]

/**
 * A mock event as a producer builds it, before the event hub numbers and dates it: every field
 * but `seq` and `at`, with an optional time (`atMs`, mock clock) when it happened earlier than
 * its publication.
 */
export type NewMockEvent = {
  [Type in MockEventType]: Omit<MockEventOf<Type>, 'seq' | 'at'>
}[MockEventType] & { atMs?: number }
