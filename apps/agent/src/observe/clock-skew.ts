import type { ClockOffsetInfo } from '@sms-command/core'
import type { AgentMetrics } from './metrics.ts'

/** An offset from SMS's clock this large is worth telling the operator about. */
export const CLOCK_SKEW_WARN_MS = 30_000

/** Where {@link watchClockSkew} reports. */
export interface ClockSkewSinks {
  metrics: Pick<AgentMetrics, 'clockOffsetMs'>
  /** Called once, the first time the offset reaches {@link CLOCK_SKEW_WARN_MS}. */
  warn: (fields: { offset_ms: number; source: string; msg: string }) => void
}

/**
 * Describes an offset for people: `20 min 1 s behind`.
 *
 * @example
 * describeOffset(1_201_000) // '20 min 1 s behind'
 */
export function describeOffset(offsetMs: number): string {
  const total = Math.round(Math.abs(offsetMs) / 1000)
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  const parts = [hours && `${hours} h`, minutes && `${minutes} min`, `${seconds} s`].filter(
    (part) => part !== 0 && part !== '',
  )
  return `${parts.join(' ')} ${offsetMs > 0 ? 'behind' : 'ahead of'}`
}

/**
 * The client's `onClockOffset`: keeps the latest offset for `/metrics` and `/healthz`, and warns
 * once, with the amount, when this machine's clock is far off SMS's. The client keeps working at
 * any skew (it signs with SMS's time); the warning is so someone fixes NTP.
 *
 * @example
 * createSmsClient({ …, onClockOffset: watchClockSkew({ metrics, warn: (f) => logger.warn('clock.skew', f) }) })
 */
export function watchClockSkew(sinks: ClockSkewSinks): (info: ClockOffsetInfo) => void {
  let warned = false
  return ({ offsetMs, source }) => {
    sinks.metrics.clockOffsetMs = offsetMs
    if (warned || Math.abs(offsetMs) < CLOCK_SKEW_WARN_MS) return
    warned = true
    sinks.warn({
      offset_ms: offsetMs,
      source,
      msg: `this machine's clock is ${describeOffset(offsetMs)} SMS's (measured from ${source === 'gateway' ? 'a signature-expired 401' : 'the Date header'}); requests are signed with SMS's time so the agent keeps working, but fix the clock (NTP)`,
    })
  }
}
