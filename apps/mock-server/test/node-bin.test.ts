import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { spawnMock } from './conformance/spawn.ts'

const bin = fileURLToPath(new URL('../dist/node.js', import.meta.url))

describe('sms-mock (Node bin)', () => {
  it('starts with no options on 127.0.0.1, prints the demo credentials, and serves them', async () => {
    const mock = await spawnMock(process.execPath, [bin, '--port', '0'])
    try {
      const lines = mock.output().split('\n')
      expect(lines[1]).toMatch(/^sms-mock listening on http:\/\/127\.0\.0\.1:\d+$/)
      expect(mock.output()).toContain('X-Auth-Token: demo-token')
      const response = await fetch(`${mock.url}/v3/sources/demo-server/command`, {
        headers: { 'X-Auth-Token': 'demo-token' },
      })
      expect(await response.json()).toEqual({ command_name: '', command_param: {} })
    } finally {
      await mock.stop()
    }
  })

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops cleanly on ${signal}, even with an event stream open`, async () => {
      const mock = await spawnMock(process.execPath, [bin, '--port', '0', '--token', 't'])
      const events = await fetch(`${mock.url}/_mock/events`)
      expect(events.status).toBe(200)
      const exited = new Promise<number | null>((resolve) => mock.child.once('exit', resolve))
      mock.child.kill(signal)
      expect(await exited).toBe(0)
      expect(mock.output()).toContain(`${signal}, stopping`)
      await events.body?.cancel().catch(() => {})
    })
  }

  it('refuses to bind a non-loopback address without an admin token (exit 2, clear message)', () => {
    const result = spawnSync(process.execPath, [bin, '--host', '0.0.0.0', '--port', '0'], {
      encoding: 'utf8',
      timeout: 10_000,
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/0\.0\.0\.0 is not a loopback address/)
    expect(result.stdout).toBe('')
  })

  it('exits 2 naming the field of a bad flag, without echoing secrets', () => {
    const result = spawnSync(process.execPath, [bin, '--aksk', 'only-an-ak', '--token', 'sekrit'], {
      encoding: 'utf8',
      timeout: 10_000,
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toMatch(/--aksk: expected AK:SK/)
    expect(result.stderr).not.toContain('sekrit')
  })

  it('prints its usage with --help', () => {
    const result = spawnSync(process.execPath, [bin, '--help'], {
      encoding: 'utf8',
      timeout: 10_000,
    })
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/--delivery ack\|pop/)
  })

  it('answers --version (and -V) with the package version, exit 0', async () => {
    const { version } = JSON.parse(
      await readFile(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string }
    for (const flag of ['--version', '-V']) {
      const result = spawnSync(process.execPath, [bin, flag], { encoding: 'utf8', timeout: 10_000 })
      expect(result.status).toBe(0)
      expect(result.stdout).toBe(`sms-mock ${version}\n`)
    }
  })

  it('listens on PORT and HOST from the environment (the container convention)', async () => {
    const mock = await spawnMock(process.execPath, [bin], {
      env: { PORT: '0', HOST: '127.0.0.1' },
    })
    try {
      expect(mock.output()).toMatch(/sms-mock listening on http:\/\/127\.0\.0\.1:\d+/)
      expect((await fetch(`${mock.url}/_mock`)).status).toBe(200)
    } finally {
      await mock.stop()
    }
  })
})
