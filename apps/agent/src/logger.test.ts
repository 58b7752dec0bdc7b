import { SmsApiError } from '@sms-command/core'
import { errorFields } from '@sms-command/core/events'
import { describe, expect, it } from 'vitest'
import { createLogger, type PublishedEvent, type UntypedEvents } from './logger.ts'

function capture(options: Partial<Parameters<typeof createLogger>[0]> = {}) {
  const lines: string[] = []
  const logger = createLogger<UntypedEvents>({
    format: 'json',
    level: 'info',
    write: (line) => lines.push(line),
    now: () => Date.UTC(2026, 0, 1),
    ...options,
  })
  return { logger, lines }
}

describe('createLogger', () => {
  it('writes one NDJSON line per event with the core fields first', () => {
    const { logger, lines } = capture({ serverId: 'srv-1' })
    logger.info('report.error', {
      extra: true,
      delay: 500,
      attempt: 2,
      task_id: 't1',
      command: 'START',
    })
    expect(lines).toEqual([
      '{"time":"2026-01-01T00:00:00.000Z","level":"info","event":"report.error","server_id":"srv-1","command":"START","task_id":"t1","attempt":2,"delay":500,"extra":true}\n',
    ])
  })

  it('filters lines below the level but still streams every event to listeners', () => {
    const { logger, lines } = capture()
    const streamed: PublishedEvent[] = []
    logger.subscribe((event) => streamed.push(event))
    logger.debug('poll.idle', { delay: 10 })
    logger.warn('poll.error', {})
    expect(lines.map((line) => JSON.parse(line).event)).toEqual(['poll.error'])
    expect(streamed.map((event) => JSON.parse(event.json).event)).toEqual([
      'poll.idle',
      'poll.error',
    ])
    expect(streamed.map((event) => event.id)).toEqual([1, 2])
  })

  it('keeps a bounded history for late /events clients', () => {
    const { logger } = capture({ historySize: 3 })
    for (let index = 0; index < 5; index++) logger.info('tick', { index })
    expect(logger.history().map((event) => JSON.parse(event.json).index)).toEqual([2, 3, 4])
  })

  it('scrubs configured secrets from every line, raw or JSON-escaped', () => {
    const secret = 'p"ss\\word-123'
    const { logger, lines } = capture({ secrets: [secret, 'abc'] })
    logger.info('oops', { msg: `token ${secret} leaked`, nested: { value: secret } })
    logger.addSecret('late-secret')
    logger.info('oops', { msg: 'late-secret here', short: 'abc' })
    const text = lines.join('')
    expect(text).not.toContain('word-123')
    expect(text).not.toContain('late-secret')
    expect(text).toContain('[REDACTED]')
    // Strings too short to be secrets are left alone rather than mangling ordinary words.
    expect(text).toContain('"short":"abc"')
  })

  it('writes readable text lines', () => {
    const { logger, lines } = capture({ format: 'text', serverId: 's' })
    logger.warn('poll.error', { delay: 1500, status: '503', msg: 'backing off', note: 'two words' })
    expect(lines[0]).toBe(
      '2026-01-01T00:00:00.000Z WARN  poll.error server_id=s delay=1500ms status=503 note="two words" — backing off\n',
    )
  })

  it('survives a throwing listener', () => {
    const { logger, lines } = capture()
    logger.subscribe(() => {
      throw new Error('broken client')
    })
    logger.info('still.logged')
    expect(lines).toHaveLength(1)
  })
})

describe('errorFields', () => {
  it('keeps the status and error code of an SMS error', () => {
    const error = new SmsApiError({
      method: 'GET',
      path: '/v3/sources/s/command',
      serverId: 's',
      status: 404,
      body: { error_code: 'SMS.0404', error_msg: 'not found' },
    })
    expect(errorFields(error)).toMatchObject({
      name: 'SmsApiError',
      status: 404,
      error_code: 'SMS.0404',
    })
  })

  it('reduces anything else to name and message', () => {
    expect(errorFields(new TypeError('x'))).toEqual({ name: 'TypeError', message: 'x' })
    expect(errorFields('plain')).toEqual({ name: 'Error', message: 'plain' })
  })
})
