import { describe, expect, it } from 'vitest'
import {
  encodedSize,
  fitReportBody,
  MAX_OUTPUT_TAIL,
  REPORT_BODY_BUDGET,
  REPORT_BODY_LIMIT,
  type ReportBody,
} from './report-body.ts'

/** A process's output as a runner keeps it: the last `tail` bytes, decoded. */
function kept(bytes: Uint8Array, tail = MAX_OUTPUT_TAIL) {
  const kept = bytes.subarray(Math.max(0, bytes.byteLength - tail))
  return {
    output: new TextDecoder().decode(kept),
    output_bytes: bytes.byteLength,
    output_truncated: kept.byteLength < bytes.byteLength,
  }
}

const report = (detail: Record<string, unknown>): ReportBody => ({
  command_name: 'START',
  result: 'fail',
  result_detail: {
    task_id: 'task-1',
    handler: '/opt/sms/handler',
    exit_code: 1,
    signal: null,
    duration_ms: 12,
    timed_out: false,
    ...detail,
  },
})

const repeat = (bytes: number[], total: number) =>
  Uint8Array.from({ length: total }, (_, index) => bytes[index % bytes.length] as number)

const utf8 = (text: string) => new TextEncoder().encode(text)

describe('fitReportBody', () => {
  const hostile: [string, Uint8Array][] = [
    ['9,000 bytes of 0xFF (each a 3-byte U+FFFD)', repeat([0xff], 9_000)],
    ['control bytes (each a 6-byte escape)', repeat([0x01, 0x02, 0x1b, 0x7f], 9_000)],
    ['NULs', new Uint8Array(9_000)],
    ['terminal escape sequences', utf8('\u001b[31merror\u001b[0m\r\n'.repeat(600))],
    ['CJK', utf8('迁移失败，请检查日志。'.repeat(800))],
    ['emoji', utf8('🔥🚀💥'.repeat(1_800))],
    ['invalid UTF-8 cut mid-character', repeat([0xe4, 0xb8, 0xad, 0xf0, 0x9f, 0x92], 18_001)],
  ]
  it.each(hostile)('makes %s fit, trimmed from the front and marked', (_name, bytes) => {
    // A tail larger than --output-tail allows, so that every kind of output needs cutting.
    const body = report(kept(bytes, 16_384))
    const fitted = fitReportBody(body)
    expect(fitted.trimmed).toBe(true)
    expect(fitted.bytes).toBe(encodedSize(fitted.body))
    expect(fitted.bytes).toBeLessThanOrEqual(REPORT_BODY_BUDGET)
    expect(fitted.bytes).toBeGreaterThan(REPORT_BODY_BUDGET - 64) // cut no more than needed
    const output = fitted.body.result_detail.output as string
    expect((body.result_detail.output as string).endsWith(output)).toBe(true)
    expect(fitted.body.result_detail).toMatchObject({
      output_truncated: true,
      report_trimmed: true,
      task_id: 'task-1',
    })
    // No half surrogate pair at the cut: the text round-trips through UTF-8.
    expect(new TextDecoder().decode(new TextEncoder().encode(output))).toBe(output)
  })

  it.each(hostile)('makes %s fit with the largest --output-tail', (_name, bytes) => {
    const fitted = fitReportBody(report(kept(bytes)))
    expect(fitted.bytes).toBeLessThanOrEqual(REPORT_BODY_BUDGET)
  })

  it('leaves a report that fits untouched', () => {
    const body = report(kept(utf8('all good\n')))
    expect(fitReportBody(body)).toEqual({
      body,
      bytes: encodedSize(body),
      originalBytes: encodedSize(body),
      trimmed: false,
    })
  })

  it('shortens other long fields, then keeps only the essentials, when output is not enough', () => {
    const long = report({ output: '', message: 'x'.repeat(20_000) })
    const fitted = fitReportBody(long)
    expect(fitted.bytes).toBeLessThanOrEqual(REPORT_BODY_BUDGET)
    expect((fitted.body.result_detail.message as string).length).toBeLessThanOrEqual(257)
    const absurd = report(Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i])))
    const minimal = fitReportBody(absurd)
    expect(minimal.bytes).toBeLessThanOrEqual(REPORT_BODY_BUDGET)
    expect(minimal.body.result_detail).toMatchObject({ task_id: 'task-1', exit_code: 1 })
  })

  it('leaves headroom below the SMS limit', () => {
    expect(REPORT_BODY_BUDGET).toBeLessThan(REPORT_BODY_LIMIT)
    // The largest tail, plain ASCII, fits whole next to the other fields.
    const body = report(kept(utf8('a'.repeat(MAX_OUTPUT_TAIL))))
    expect(fitReportBody(body).trimmed).toBe(false)
  })
})
