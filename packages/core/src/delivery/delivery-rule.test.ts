import { describe, expect, it } from 'vitest'
import { SmsApiError, SmsInputError, SmsNetworkError } from '../index.ts'
import {
  actOnCurrent,
  type CurrentAction,
  type EntryFacts,
  isDeterministicRefusal,
  isHeldAfterRefusal,
  judgeReportFailure,
  type NotCurrentDecision,
  type ReportFailureContext,
  settleNotCurrent,
} from './delivery-rule.ts'

const apiError = (status: number, code?: string, retryAfterMs?: number) =>
  new SmsApiError({
    status,
    ...(code ? { body: { error_code: code, error_msg: 'refused' } } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  })

describe('settleNotCurrent', () => {
  const table: [string, EntryFacts, NotCurrentDecision][] = [
    [
      'drops a received entry unstarted',
      { state: 'received', reportAttempts: 0 },
      { action: 'drop-unstarted', outcome: 'superseded' },
    ],
    [
      'settles an unsent result as superseded',
      { state: 'done', reportAttempts: 0 },
      { action: 'settle', outcome: 'superseded' },
    ],
    [
      'presumes a sent result recorded once SMS moved on',
      { state: 'done', reportAttempts: 1 },
      { action: 'settle', outcome: 'presumed-recorded' },
    ],
    [
      'presumes recorded after several sends too',
      { state: 'done', reportAttempts: 7 },
      { action: 'settle', outcome: 'presumed-recorded' },
    ],
    [
      'keeps a running entry (this process runs it)',
      { state: 'running', reportAttempts: 0 },
      { action: 'keep' },
    ],
    ['keeps a reported entry', { state: 'reported', reportAttempts: 1 }, { action: 'keep' }],
  ]
  it.each(table)('%s', (_name, entry, expected) => {
    expect(settleNotCurrent(entry)).toEqual(expected)
  })
})

describe('actOnCurrent', () => {
  const table: [
    EntryFacts['state'] | 'none',
    { allowRun: boolean; stopping: boolean },
    CurrentAction,
  ][] = [
    ['none', { allowRun: true, stopping: false }, 'receive'],
    ['none', { allowRun: false, stopping: false }, 'wait'],
    ['none', { allowRun: true, stopping: true }, 'wait'],
    ['received', { allowRun: true, stopping: false }, 'run'],
    ['received', { allowRun: false, stopping: false }, 'wait'],
    ['received', { allowRun: true, stopping: true }, 'wait'],
    ['done', { allowRun: true, stopping: false }, 'report'],
    ['done', { allowRun: false, stopping: true }, 'report'],
    ['running', { allowRun: true, stopping: false }, 'wait'],
  ]
  it.each(table)('an entry %s with %o leads to %s', (state, permission, expected) => {
    expect(actOnCurrent(state === 'none' ? undefined : { state }, permission)).toBe(expected)
  })
})

describe('isDeterministicRefusal', () => {
  const table: [string, unknown, boolean][] = [
    ['400', apiError(400, 'SMS.9999'), true],
    ['403', apiError(403), true],
    ['404', apiError(404), true],
    ['413', apiError(413), true],
    ['401 SMS.2004 (body too large, listed as 401)', apiError(401, 'SMS.2004'), true],
    ['401 SMS.2006 (Content-Type not JSON)', apiError(401, 'SMS.2006'), true],
    ['401 APIGW.0301 (credentials: a refresh may cure it)', apiError(401, 'APIGW.0301'), false],
    ['401 without a body', apiError(401), false],
    ['408 (a gateway gave up waiting: not processed)', apiError(408), false],
    ['421 (misdirected: not processed)', apiError(421), false],
    ['425 (too early: not processed)', apiError(425), false],
    ['429', apiError(429, 'APIGW.0308'), false],
    ['502 (a gateway transient)', apiError(502), false],
    ['504 (a gateway transient)', apiError(504), false],
    ['500', apiError(500), false],
    ['503', apiError(503), false],
    ['a timeout', new SmsNetworkError('timeout', {}), false],
  ]
  it.each(table)('%s → %s', (_name, error, expected) => {
    expect(isDeterministicRefusal(error)).toBe(expected)
  })
})

describe('judgeReportFailure', () => {
  const context: ReportFailureContext = {
    refusals: 1,
    refusalLimit: 3,
    backoffMs: 200,
    slowRetryMs: 60_000,
    requestTimeoutMs: 30_000,
  }
  const table: [string, unknown, Partial<ReportFailureContext>, unknown][] = [
    [
      'SMS.2009 is rejected at once: not current',
      apiError(400, 'SMS.2009'),
      {},
      { action: 'reject', why: 'not-current' },
    ],
    [
      'an invalid result is rejected at once',
      new SmsInputError('result', 'success or fail', '"maybe"'),
      {},
      { action: 'reject', why: 'invalid' },
    ],
    [
      'a deterministic 400 below the limit is retried slowly',
      apiError(400, 'SMS.2004'),
      { refusals: 2 },
      { action: 'retry', delayMs: 60_000, deterministic: true },
    ],
    [
      'a deterministic 400 at the limit is rejected',
      apiError(400, 'SMS.2004'),
      { refusals: 3 },
      { action: 'reject', why: 'refused' },
    ],
    [
      'a 401 SMS.2004 at the limit is rejected',
      apiError(401, 'SMS.2004'),
      { refusals: 3 },
      { action: 'reject', why: 'refused' },
    ],
    [
      'a credential 401 is never rejected, however often',
      apiError(401, 'APIGW.0301'),
      { refusals: 0 },
      { action: 'retry', delayMs: 60_000, deterministic: false },
    ],
    [
      '429 waits as long as Retry-After asks',
      apiError(429, 'APIGW.0308', 9_000),
      { refusals: 0 },
      { action: 'retry', delayMs: 9_000, deterministic: false },
    ],
    [
      '503 without Retry-After waits the backoff',
      apiError(503),
      { refusals: 0 },
      { action: 'retry', delayMs: 200, deterministic: false },
    ],
    [
      'a 500 waits a request deadline before verifying',
      apiError(500),
      { refusals: 0 },
      { action: 'retry', delayMs: 30_000, deterministic: false },
    ],
    [
      'a timeout waits a request deadline before verifying',
      new SmsNetworkError('timeout', {}),
      { refusals: 0 },
      { action: 'retry', delayMs: 30_000, deterministic: false },
    ],
  ]
  it.each(table)('%s', (_name, error, overrides, expected) => {
    expect(judgeReportFailure(error, { ...context, ...overrides })).toEqual(expected)
  })
})

describe('isHeldAfterRefusal', () => {
  const key = (command: string) => command
  const table: [string, { rejection?: string; command: string } | undefined, boolean][] = [
    ['holds the newest entry, refused, same command', { rejection: 'refused', command: 'A' }, true],
    ['not when the newest entry is another command', { rejection: 'refused', command: 'B' }, false],
    ['not when it was rejected as not current', { rejection: 'not-current', command: 'A' }, false],
    ['not when it was acknowledged', { command: 'A' }, false],
    ['not with an empty journal', undefined, false],
  ]
  it.each(table)('%s', (_name, latest, expected) => {
    expect(isHeldAfterRefusal(latest, 'A', key)).toBe(expected)
  })
})
