/**
 * What a result report may weigh. SMS refuses a body over 10,240 bytes (docs/api.md §7, `SMS.2004`),
 * measured as encoded JSON: an invalid byte a handler printed becomes a 3-byte U+FFFD, a control
 * byte a 6-byte `\u00XX` escape. The agent measures the body it will send and trims the handler's
 * output from the front (the end of a log says most) until it fits, with headroom.
 *
 * @module
 */

/** SMS's limit on a request body, in bytes. */
export const REPORT_BODY_LIMIT = 10_240
/** The agent's own ceiling: the limit less headroom for what a gateway might add or re-encode. */
export const REPORT_BODY_BUDGET = REPORT_BODY_LIMIT - 512
/**
 * The largest `--output-tail`: room for the output as plain text plus the rest of the report.
 * A larger tail could never reach SMS whole.
 */
export const MAX_OUTPUT_TAIL = 8_192
/** Longest other text field kept once the output alone can't make a report fit. */
const FIELD_KEEP = 256

/** The JSON body of `POST …/command_result`. */
export interface ReportBody {
  command_name: string
  result: 'success' | 'fail'
  result_detail: Record<string, unknown>
}

/** What {@link fitReportBody} did. */
export interface FittedReport {
  body: ReportBody
  /** Bytes of the encoded body as it will be sent. */
  bytes: number
  /** Bytes of the encoded body before trimming (equal to `bytes` when nothing was trimmed). */
  originalBytes: number
  trimmed: boolean
}

const encoder = new TextEncoder()

/**
 * Bytes of `value` as the JSON a request carries (UTF-8).
 *
 * @example
 * encodedSize({ output: '\u0000' }) // 17: the NUL is the six characters \u0000
 */
export function encodedSize(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).byteLength
}

/** Drops `count` UTF-16 units from the front without leaving half a surrogate pair. */
function dropFront(text: string, count: number): string {
  let rest = text.slice(count)
  const first = rest.charCodeAt(0)
  if (first >= 0xdc00 && first <= 0xdfff) rest = rest.slice(1)
  return rest
}

function keepEnd(text: string, keep: number): string {
  return text.length <= keep ? text : `…${dropFront(text, text.length - keep)}`
}

/**
 * The report as it can be sent: unchanged when it fits `budget`; otherwise with `output` cut from
 * the front just enough (marked `output_truncated`, `report_trimmed`), then other long text
 * fields shortened to their ends, then only the fields that identify the result.
 *
 * @example
 * const { body, bytes } = fitReportBody({ command_name: 'START', result: 'fail', result_detail })
 * bytes <= REPORT_BODY_BUDGET // true
 */
export function fitReportBody(body: ReportBody, budget = REPORT_BODY_BUDGET): FittedReport {
  const originalBytes = encodedSize(body)
  if (originalBytes <= budget) {
    return { body, bytes: originalBytes, originalBytes, trimmed: false }
  }
  const detail: Record<string, unknown> = {
    ...body.result_detail,
    output_truncated: true,
    report_trimmed: true,
  }
  const withDetail = (result_detail: Record<string, unknown>): ReportBody => ({
    ...body,
    result_detail,
  })
  const output = typeof detail.output === 'string' ? detail.output : ''
  if (output !== '') {
    // The smallest cut that fits: size only shrinks as more is cut.
    let low = 0
    let high = output.length
    while (low < high) {
      const middle = Math.floor((low + high) / 2)
      if (encodedSize(withDetail({ ...detail, output: dropFront(output, middle) })) <= budget) {
        high = middle
      } else {
        low = middle + 1
      }
    }
    detail.output = dropFront(output, low)
    const fitted = withDetail(detail)
    const bytes = encodedSize(fitted)
    if (bytes <= budget) return { body: fitted, bytes, originalBytes, trimmed: true }
  }
  for (const [key, value] of Object.entries(detail)) {
    if (typeof value === 'string' && key !== 'output') detail[key] = keepEnd(value, FIELD_KEEP)
  }
  let fitted = withDetail(detail)
  if (encodedSize(fitted) > budget) {
    const essentials: Record<string, unknown> = { report_trimmed: true, output_truncated: true }
    for (const key of ['task_id', 'reason', 'exit_code', 'signal', 'host']) {
      const value = detail[key]
      if (value !== undefined)
        essentials[key] = typeof value === 'string' ? keepEnd(value, 128) : value
    }
    fitted = withDetail(essentials)
  }
  return { body: fitted, bytes: encodedSize(fitted), originalBytes, trimmed: true }
}
