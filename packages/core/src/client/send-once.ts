import type { SmsErrorContext } from '../errors/sms-error.ts'
import {
  certificateFailureCode,
  isHeadersOverflow,
  SmsNetworkError,
} from '../errors/sms-network-error.ts'
import { isRedirect, SmsRedirectError } from '../errors/sms-redirect-error.ts'
import type { Scheduler } from '../time/scheduler.ts'

// Cancelling the deadline timer happens on every request; a shared reason spares building a
// DOMException (with its stack) each time.
const ANSWERED = Object.freeze({ reason: 'answered' })

/** Options of {@link sendOnce}. */
export interface SendOnceOptions {
  timeoutMs: number
  scheduler: Scheduler
  signal?: AbortSignal | undefined
  context: SmsErrorContext
}

/**
 * Runs one HTTP exchange, body included, under a deadline on the injected clock. A caller's abort
 * rejects with the signal's reason; a deadline or a connection failure becomes an
 * {@link SmsNetworkError} (reason `tls-certificate` for an untrusted certificate); a redirect
 * (the exchange must fetch with `redirect: 'manual'`) an {@link SmsRedirectError}. The exchange is
 * raced against both, so a fetch that ignores its signal can't hang the caller.
 */
export async function sendOnce(
  exchange: (signal: AbortSignal) => Promise<Response>,
  options: SendOnceOptions,
): Promise<{ response: Response; text: string }> {
  const { signal, timeoutMs, scheduler, context } = options
  if (signal?.aborted) throw signal.reason
  const controller = new AbortController()
  const stopDeadline = new AbortController()
  let timedOut = false
  let rejectEarly: (reason: unknown) => void = () => {}
  const early = new Promise<never>((_, reject) => {
    rejectEarly = reject
  })
  const onAbort = () => {
    controller.abort(signal?.reason)
    rejectEarly(signal?.reason)
  }
  signal?.addEventListener('abort', onAbort, { once: true })
  scheduler.sleep(timeoutMs, stopDeadline.signal).then(
    () => {
      timedOut = true
      const reason = new SmsNetworkError('timeout', { ...context, timeoutMs })
      controller.abort(reason)
      rejectEarly(reason)
    },
    () => {},
  )
  let answer: { response: Response; text: string }
  try {
    answer = await Promise.race([
      (async () => {
        const response = await exchange(controller.signal)
        return { response, text: await response.text() }
      })(),
      early,
    ])
  } catch (cause) {
    if (signal?.aborted) throw signal.reason
    if (timedOut) throw new SmsNetworkError('timeout', { ...context, timeoutMs })
    const reason = isHeadersOverflow(cause)
      ? 'headers-too-large'
      : certificateFailureCode(cause) !== undefined
        ? 'tls-certificate'
        : 'network'
    throw new SmsNetworkError(reason, { ...context, cause })
  } finally {
    stopDeadline.abort(ANSWERED)
    signal?.removeEventListener('abort', onAbort)
  }
  const { response } = answer
  if (isRedirect(response)) {
    throw new SmsRedirectError({
      ...context,
      status: response.status,
      location: response.redirected
        ? response.url
        : (response.headers.get('Location') ?? undefined),
    })
  }
  return answer
}
