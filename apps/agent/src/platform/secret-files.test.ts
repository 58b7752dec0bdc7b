import { describe, expect, it } from 'vitest'
import { createLogger } from '../logger.ts'
import { reportSecretFileAccess, secretFilesOf } from './secret-files.ts'

function logged() {
  const lines: string[] = []
  const logger = createLogger({
    format: 'json',
    level: 'debug',
    write: (line) => lines.push(line),
    now: () => 0,
  })
  return { logger, events: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) }
}

describe('secrets files on Windows', () => {
  it('finds the token, password and SK files of a configuration', () => {
    expect(secretFilesOf({ kind: 'token', token: 'x', tokenFile: 'C:\\sms\\token' })).toEqual([
      'C:\\sms\\token',
    ])
    expect(
      secretFilesOf({ kind: 'iam', passwordFile: 'C:\\sms\\pw', skFile: 'C:\\sms\\sk' }),
    ).toEqual(['C:\\sms\\pw', 'C:\\sms\\sk'])
  })

  it('warns naming who can read an exposed file, says plainly when it cannot tell, and never uses mode bits', async () => {
    const { logger, events } = logged()
    const answers: Record<
      string,
      Awaited<ReturnType<NonNullable<Parameters<typeof reportSecretFileAccess>[2]>['check'] & {}>>
    > = {
      'C:\\Users\\Public\\token': { verdict: 'exposed', who: ['BUILTIN\\Users'] },
      'C:\\sms\\pw': { verdict: 'unknown', why: 'icacls is not available' },
    }
    await reportSecretFileAccess(
      { tokenFile: 'C:\\Users\\Public\\token', passwordFile: 'C:\\sms\\pw' },
      logger,
      {
        windows: true,
        check: async (path) => answers[path] ?? { verdict: 'private' },
      },
    )
    expect(events()).toMatchObject([
      {
        level: 'warn',
        event: 'secrets.file-access',
        verdict: 'exposed',
        readable_by: 'BUILTIN\\Users',
      },
      {
        level: 'info',
        event: 'secrets.file-access',
        verdict: 'unknown',
        msg: expect.stringContaining('icacls is not available'),
      },
    ])
  })

  it('checks nothing off Windows', async () => {
    const { logger, events } = logged()
    await reportSecretFileAccess({ tokenFile: '/etc/sms/token' }, logger, {
      windows: false,
      check: () => Promise.reject(new Error('must not be called')),
    })
    expect(events()).toEqual([])
  })
})
