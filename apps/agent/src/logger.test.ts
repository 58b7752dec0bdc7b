import { SmsApiError } from '@sms-command/core'
import { type EventLog, errorFields } from '@sms-command/core/events'
import { describe, expect, it } from 'vitest'
import { createLogger, type PublishedEvent, type UntypedEvents } from './logger.ts'

/** What a reader following `logger.published` from the start has read once it caught up. */
function followed(logger: { published: EventLog<PublishedEvent> }, signal: AbortSignal) {
  const read: PublishedEvent[] = []
  void (async () => {
    for await (const event of logger.published.follow(0, signal)) read.push(event)
  })()
  return {
    read,
    settle: () => new Promise<void>((resolve) => setTimeout(resolve, 0)),
  }
}

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

  it('filters lines below the level but still streams every event to readers', async () => {
    const { logger, lines } = capture()
    const controller = new AbortController()
    const { read: streamed, settle } = followed(logger, controller.signal)
    logger.debug('poll.idle', { delay: 10 })
    logger.warn('poll.error', {})
    await settle()
    controller.abort()
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
    expect(logger.published.entries().map((event) => JSON.parse(event.json).index)).toEqual([
      2, 3, 4,
    ])
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

  it('prefixes text lines with their syslog priority for the journal, and never JSON lines', () => {
    const text = capture({ format: 'text', level: 'debug', syslogPriority: true })
    text.logger.error('agent.crash')
    text.logger.warn('poll.error', { status: 503 })
    text.logger.info('agent.start')
    text.logger.debug('poll.idle')
    expect(text.lines.map((line) => line.slice(0, 3))).toEqual(['<3>', '<4>', '<6>', '<7>'])
    expect(text.lines[2]).toBe('<6>2026-01-01T00:00:00.000Z INFO  agent.start\n')

    const plain = capture({ format: 'text', level: 'debug' })
    plain.logger.error('agent.crash')
    expect(plain.lines[0]).toBe('2026-01-01T00:00:00.000Z ERROR agent.crash\n')

    const json = capture({ format: 'json', level: 'debug', syslogPriority: true })
    const unprefixed = capture({ format: 'json', level: 'debug' })
    for (const { logger } of [json, unprefixed]) logger.error('agent.crash', { exit_code: 1 })
    expect(json.lines).toEqual(unprefixed.lines)
    expect(json.lines[0]?.startsWith('{"time":')).toBe(true)
  })

  it('survives a throwing reader', async () => {
    const { logger, lines } = capture()
    const controller = new AbortController()
    const broken = (async () => {
      for await (const _ of logger.published.follow(0, controller.signal)) {
        throw new Error('broken client')
      }
    })()
    logger.info('still.logged')
    await expect(broken).rejects.toThrow('broken client')
    logger.info('still.logged')
    controller.abort()
    expect(lines).toHaveLength(2)
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
