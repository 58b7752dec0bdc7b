/**
 * What the client may learn about the server's clock, and from what. Under AK/SK every request
 * is signed with a time the gateway accepts within 15 minutes of its own, so a learned offset
 * changes every signature: learning it from a wrong source breaks a correct clock. A `Date`
 * header alone is such a source: a proxy or cache between the agent and SMS may stamp its own
 * (20 minutes off, in the field), and signing with it then fails about every other request. So
 * the offset is learned only from evidence that the gateway judged the signature time: its
 * "signature expired … server time:…" text, or the `Date` of a gateway's clock refusal when that
 * `Date` agrees with the refusal (it puts the signed time outside the window too).
 */
import { parseHttpDate } from '../time/retry-after.ts'
import { signatureSkewMs } from './unauthorized.ts'

/** How far from the gateway's clock a signature time may be (docs/api.md §3): 15 minutes. */
export const SIGNATURE_WINDOW_MS = 15 * 60_000

/**
 * Slack when checking a refusal's `Date` against the window: the `Date` has a resolution of one
 * second and is stamped after the request travelled, so a time just inside still agrees.
 */
const AGREEMENT_SLACK_MS = 60_000

/** A gateway's clock refusal of a signed request (a 401 `classifyUnauthorized` calls `clock`). */
export interface ClockRefusal {
  /** The refusal's `error_msg`. */
  errorMsg: string | undefined
  /** The refusal's `Date` header. */
  date: string | null
  /** The offset the refused request was signed with (0 when none was known). */
  signedWithOffsetMs: number
  /** This machine's time when the refusal arrived. */
  now: number
}

/** An offset learned from a refusal, and its evidence. */
export interface LearnedOffset {
  /** The server's clock minus this one, in ms. */
  offsetMs: number
  /** `gateway`: the refusal's own text named both times; `date`: the refusal's agreeing `Date`. */
  source: 'gateway' | 'date'
}

/**
 * The server's clock offset a clock refusal proves, or `undefined` when it proves none: a `Date`
 * that would put the signed time inside the window contradicts the refusal (a proxy's own stamp,
 * most likely) and is not believed. Anything but a clock refusal is no evidence at all: don't
 * call this for it.
 *
 * @example
 * offsetFromRefusal({ errorMsg: '… signature time:20261129T182216Z,server time:20261129T184217Z',
 *   date: null, signedWithOffsetMs: 0, now }) // { offsetMs: 1_201_000, source: 'gateway' }
 */
export function offsetFromRefusal(refusal: ClockRefusal): LearnedOffset | undefined {
  const skewMs = signatureSkewMs(refusal.errorMsg)
  if (skewMs !== undefined) {
    return { offsetMs: refusal.signedWithOffsetMs + skewMs, source: 'gateway' }
  }
  const serverNow = parseHttpDate(refusal.date)
  if (Number.isNaN(serverNow)) return undefined
  const offsetMs = serverNow - refusal.now
  const signedOffBy = Math.abs(offsetMs - refusal.signedWithOffsetMs)
  return signedOffBy >= SIGNATURE_WINDOW_MS - AGREEMENT_SLACK_MS
    ? { offsetMs, source: 'date' }
    : undefined
}
