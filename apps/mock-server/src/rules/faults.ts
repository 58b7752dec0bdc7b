import { ServerIdSchema } from '@sms-command/core'
import * as v from 'valibot'
import type { FaultHit, RouteName } from '../types.ts'

/**
 * Which requests a fault applies to: `sms` is both command routes, `sources` the fleet list,
 * `any` every request outside `/_mock` the mock serves: those, IAM and `/openapi.json` (never an
 * unknown path's 404).
 */
export const FAULT_ROUTES = ['sms', 'command', 'command_result', 'sources', 'iam', 'any'] as const
export type FaultRoute = (typeof FAULT_ROUTES)[number]

/**
 * Routes whose requests name no server (`GET /v3/sources`, `POST /v3/auth/tokens`): they draw
 * only unscoped faults, so a fault scoped to a server never fires on them and is refused.
 */
export const SERVERLESS_FAULT_ROUTES: readonly FaultRoute[] = ['sources', 'iam']

const uint32 = v.pipe(
  v.number('expected a number'),
  v.integer('expected an integer'),
  v.minValue(0, 'expected at least 0'),
  v.maxValue(0xffff_ffff, 'expected at most 4294967295'),
)
const millis = v.pipe(
  v.number('expected a number of milliseconds'),
  v.integer('expected an integer'),
  v.minValue(0, 'expected at least 0'),
  v.maxValue(600_000, 'expected at most 600000 (10 minutes)'),
)

const common = {
  id: v.optional(
    v.pipe(
      v.string('expected a string'),
      v.regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1–64 letters, digits, ".", "_" or "-"'),
    ),
  ),
  /** Scope: one server id; absent means every server. */
  server: v.optional(ServerIdSchema),
  route: v.optional(v.picklist(FAULT_ROUTES, `expected one of ${FAULT_ROUTES.join(', ')}`)),
  /** Fire on the next N matching requests only; absent means until removed. */
  count: v.optional(
    v.pipe(
      v.number('expected a number'),
      v.integer('expected an integer'),
      v.minValue(1, 'expected at least 1'),
    ),
  ),
  /** Chance that a matching request fires it, 0–1; default 1. */
  probability: v.optional(
    v.pipe(
      v.number('expected a number'),
      v.minValue(0, 'expected at least 0'),
      v.maxValue(1, 'expected at most 1'),
    ),
  ),
  /** PRNG seed of the probability and latency draws; defaults to one derived from the mock's seed. */
  seed: v.optional(uint32),
}

const FaultKindsSchema = v.variant(
  'kind',
  [
    v.strictObject({
      ...common,
      kind: v.literal('status'),
      status: v.pipe(
        v.number('expected an HTTP status'),
        v.integer('expected an integer'),
        v.minValue(400, 'expected 400–599'),
        v.maxValue(599, 'expected 400–599'),
      ),
      /**
       * Sent as `Retry-After` (seconds, written as given); 429 and 503 get 1 unless given. Any
       * non-negative finite number: absurd hints (30 days, fractions) are what clients must survive.
       */
      retryAfterSeconds: v.optional(
        v.pipe(
          v.number('expected a number of seconds'),
          v.finite('expected a finite number'),
          v.minValue(0, 'expected at least 0'),
        ),
      ),
      error_code: v.optional(
        v.pipe(v.string('expected a string'), v.maxLength(255, 'expected at most 255')),
      ),
      error_msg: v.optional(
        v.pipe(v.string('expected a string'), v.maxLength(1024, 'expected at most 1024')),
      ),
    }),
    v.pipe(
      v.strictObject({
        ...common,
        kind: v.literal('latency'),
        ms: v.optional(millis),
        minMs: v.optional(millis),
        maxMs: v.optional(millis),
      }),
      v.check(
        (f) =>
          (f.ms !== undefined && f.minMs === undefined && f.maxMs === undefined) ||
          (f.ms === undefined &&
            f.minMs !== undefined &&
            f.maxMs !== undefined &&
            f.minMs <= f.maxMs),
        'latency: give either ms, or minMs and maxMs with minMs <= maxMs',
      ),
    ),
    v.strictObject({ ...common, kind: v.literal('malformed-json') }),
    v.strictObject({ ...common, kind: v.literal('truncated-body') }),
    v.strictObject({
      ...common,
      kind: v.literal('drop-connection'),
      when: v.picklist(['before', 'after'], 'expected "before" or "after"'),
    }),
  ],
  'expected kind to be one of status, latency, malformed-json, truncated-body, drop-connection',
)

/**
 * A fault to inject, as given to `POST /_mock/faults` or in a scenario. Unknown fields are
 * refused, and so is a fault that could never fire (a server scope on a route naming no server).
 */
export const FaultSpecSchema = v.pipe(
  FaultKindsSchema,
  v.forward(
    v.check(
      (spec: v.InferOutput<typeof FaultKindsSchema>) =>
        spec.server === undefined ||
        spec.route === undefined ||
        !SERVERLESS_FAULT_ROUTES.includes(spec.route),
      'a fault scoped to a server never fires on route "sources" or "iam" (GET /v3/sources and POST /v3/auth/tokens name no server); drop "server" or use route command, command_result, sms or any',
    ),
    ['server'],
  ),
)

export type FaultSpec = v.InferOutput<typeof FaultSpecSchema>
export type FaultKind = FaultSpec['kind']

/** A fault as stored: its spec with id and seed filled, and what is left of it. */
export interface FaultState {
  spec: FaultSpec & { id: string; seed: number }
  /** Firings left; `null` for unlimited. */
  remaining: number | null
  fired: number
  /** Draws taken from the PRNG so far. */
  draws: number
  /** mulberry32 state. */
  rng: number
  createdAt: number
}

/** Creates the stored form of a fault. */
export function createFault(spec: FaultSpec, id: string, seed: number, now: number): FaultState {
  const fullSpec = { ...spec, id: spec.id ?? id, seed: spec.seed ?? seed }
  return {
    spec: fullSpec,
    remaining: spec.count ?? null,
    fired: 0,
    draws: 0,
    rng: fullSpec.seed >>> 0,
    createdAt: now,
  }
}

/** mulberry32: a tiny seeded PRNG whose whole state is one uint32, so it serializes. */
function nextRandom(fault: FaultState): number {
  fault.draws++
  fault.rng = (fault.rng + 0x6d2b79f5) >>> 0
  let t = fault.rng
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
}

/** Derives a fault's seed from the mock's seed and the fault's number, so runs replay. */
export function deriveSeed(base: number, index: number): number {
  let h = (base ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** What the faults that fired on one request ask for. */
export interface FaultSelection {
  latencyMs: number
  /** Answer this status instead of doing anything (no effect). */
  status?: {
    hit: FaultHit
    status: number
    retryAfterSeconds?: number
    errorCode?: string
    errorMsg?: string
  }
  /** Drop the connection before the request takes effect. */
  dropBefore?: FaultHit
  /** Corrupt or lose the answer the route gives (after the effect, or its refusal). */
  response?: { hit: FaultHit; kind: 'malformed-json' | 'truncated-body' | 'drop-connection' }
  hits: FaultHit[]
}

/** An empty selection, to be filled by {@link drawFaults}. */
export function emptySelection(): FaultSelection {
  return { latencyMs: 0, hits: [] }
}

function routeMatches(route: FaultRoute, actual: RouteName): boolean {
  switch (route) {
    case 'any':
      return actual !== 'other'
    case 'sms':
      return actual === 'command' || actual === 'command_result'
    default:
      return route === actual
  }
}

/**
 * Fires the faults of `faults` that match a request, in order, consuming their counts and
 * PRNG draws, and merges them into `selection`: latencies add up; the first decisive fault (a
 * status, a drop before or after, malformed JSON or a truncated body) wins and stops every
 * later decisive fault from being considered (they are not consumed), across calls with the
 * same `selection`: a request has one answer for one of them to act on, so none is spent
 * without effect. Exhausted faults are removed from `faults`.
 *
 * @example
 * const selection = drawFaults(faults, { serverId: 's1', route: 'command' }, emptySelection())
 */
export function drawFaults(
  faults: FaultState[],
  request: { serverId: string | undefined; route: RouteName },
  selection: FaultSelection,
): FaultSelection {
  for (const fault of faults) {
    const { spec } = fault
    if (fault.remaining === 0) continue
    if (spec.server !== undefined && spec.server !== request.serverId) continue
    if (!routeMatches(spec.route ?? 'sms', request.route)) continue
    const terminal =
      spec.kind === 'status' || (spec.kind === 'drop-connection' && spec.when === 'before')
    const response =
      spec.kind === 'malformed-json' ||
      spec.kind === 'truncated-body' ||
      (spec.kind === 'drop-connection' && spec.when === 'after')
    const decided =
      selection.status !== undefined ||
      selection.dropBefore !== undefined ||
      selection.response !== undefined
    if ((terminal || response) && decided) continue
    const hit: FaultHit = { id: spec.id, kind: spec.kind }
    const probability = spec.probability ?? 1
    if (probability < 1) {
      const roll = nextRandom(fault)
      hit.seed = spec.seed
      hit.draw = fault.draws
      if (roll >= probability) continue
    }
    fault.fired++
    if (fault.remaining !== null) fault.remaining--
    switch (spec.kind) {
      case 'latency': {
        let ms = spec.ms ?? 0
        if (spec.minMs !== undefined && spec.maxMs !== undefined) {
          ms = spec.minMs + Math.floor(nextRandom(fault) * (spec.maxMs - spec.minMs + 1))
          hit.seed = spec.seed
          hit.draw = fault.draws
        }
        hit.detail = `${ms} ms`
        selection.latencyMs += ms
        break
      }
      case 'status': {
        const retryAfter =
          spec.retryAfterSeconds ?? (spec.status === 429 || spec.status === 503 ? 1 : undefined)
        hit.detail = `status ${spec.status}`
        selection.status = {
          hit,
          status: spec.status,
          ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
          ...(spec.error_code !== undefined ? { errorCode: spec.error_code } : {}),
          ...(spec.error_msg !== undefined ? { errorMsg: spec.error_msg } : {}),
        }
        break
      }
      case 'drop-connection':
        hit.detail = `drop ${spec.when}`
        if (spec.when === 'before') selection.dropBefore = hit
        else selection.response = { hit, kind: 'drop-connection' }
        break
      default:
        selection.response = { hit, kind: spec.kind }
    }
    selection.hits.push(hit)
  }
  for (let i = faults.length - 1; i >= 0; i--) {
    if (faults[i]?.remaining === 0) faults.splice(i, 1)
  }
  return selection
}

/**
 * {@link drawFaults}, also telling which faults it used up (and so removed from `faults`), by
 * id: a store that keeps fault ids elsewhere forgets them.
 *
 * @example
 * const exhausted = drawFaultsExhausting(faults, { serverId: 's1', route: 'command' }, selection)
 */
export function drawFaultsExhausting(
  faults: FaultState[],
  request: { serverId: string | undefined; route: RouteName },
  selection: FaultSelection,
): string[] {
  const before = faults.map((f) => f.spec.id)
  drawFaults(faults, request, selection)
  return before.filter((id) => !faults.some((f) => f.spec.id === id))
}

/**
 * Removes the fault `id` from `faults`; whether it was there.
 *
 * @example
 * removeFault(server.faults, 'f3') // true
 */
export function removeFault(faults: FaultState[], id: string): boolean {
  const index = faults.findIndex((f) => f.spec.id === id)
  if (index < 0) return false
  faults.splice(index, 1)
  return true
}

/**
 * Removes from `faults` those scoped to `server` (every one when `server` is `undefined`) and
 * returns them.
 *
 * @example
 * removeScopedFaults(globalFaults, 'srv-1').length // how many were removed
 */
export function removeScopedFaults(faults: FaultState[], server: string | undefined): FaultState[] {
  const removed: FaultState[] = []
  for (let i = faults.length - 1; i >= 0; i--) {
    const fault = faults[i]
    if (fault && (server === undefined || fault.spec.server === server)) {
      faults.splice(i, 1)
      removed.push(fault)
    }
  }
  return removed
}

/** A fault as the admin API shows it. */
export function describeFault(fault: FaultState) {
  return { ...fault.spec, remaining: fault.remaining, fired: fault.fired, draws: fault.draws }
}
