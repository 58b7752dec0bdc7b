/**
 * The built CLI (`node dist/cli.js`) as a user runs it: exit codes, refusals before any request,
 * secrets kept out of every output, the state lock, signals. Against the real mock over HTTP.
 */

import { existsSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgentProcess } from './agent-process.ts'
import { type Mock, startMock } from './mock.ts'

const TOKEN = 'tok-SECRET-7f3a9c51e2'
const SK = 'sk-SECRET-b81d44aa90'
const PASSWORD = 'pw-SECRET-c0ffee1234'
const SECRETS = [TOKEN, SK, PASSWORD]

let dir: string
let handler: string
let mock: Mock

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-cli-'))
  handler = join(dir, 'handler.sh')
  // Prints its whole environment: if a credential leaked into it, it would reach result_detail.
  await writeFile(handler, '#!/bin/sh\nenv\necho "ran $SMS_COMMAND $SMS_TASK_ID"\n')
  await chmod(handler, 0o755)
  mock = await startMock({
    tokens: [TOKEN],
    users: [`ops:${PASSWORD}`],
    accessKeys: [`AKTEST0000000000:${SK}`],
  })
})

afterAll(async () => {
  await mock?.close()
})

/** A server counting every request it gets: none may arrive for a refused configuration. */
async function countingServer() {
  let requests = 0
  const server = createServer((_, response) => {
    requests++
    response.writeHead(500).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function expectNoSecret(lines: readonly string[]) {
  for (const line of lines) {
    for (const secret of SECRETS) expect(line, 'a secret reached the output').not.toContain(secret)
  }
}

describe('sms-agent (node dist/cli.js)', () => {
  it('exits 2 naming the bad setting, before sending any request', async () => {
    const target = await countingServer()
    try {
      const cases: [string[], Record<string, string>, string][] = [
        [['--interval', '10x'], {}, 'Invalid --interval: expected a duration'],
        [[], { SMS_INTERVAL: '-5s' }, 'Invalid --interval (from SMS_INTERVAL)'],
        [['--log-format', 'xml'], {}, 'Invalid --log-format'],
        [['--token', TOKEN], {}, '--token is not accepted on the command line'],
        [['--on-start', '/nonexistent/handler'], {}, 'Invalid --on-start'],
      ]
      for (const [args, env, message] of cases) {
        const agent = startAgentProcess(
          'node',
          [
            '--endpoint',
            target.url,
            '--server-id',
            'srv-1',
            '--state-dir',
            join(dir, 's0'),
            ...args,
          ],
          { SMS_TOKEN: TOKEN, ...env },
        )
        expect(await agent.exited).toBe(2)
        expect(agent.stderr.join('\n')).toContain(message)
        expectNoSecret(agent.lines)
      }
      const noCredentials = startAgentProcess(
        'node',
        ['--endpoint', target.url, '--server-id', 'srv-1', '--state-dir', join(dir, 's0')],
        {},
      )
      expect(await noCredentials.exited).toBe(2)
      expect(noCredentials.stderr.join('\n')).toContain('No credentials')
      expect(target.requests()).toBe(0)
    } finally {
      await target.close()
    }
  })

  it('keeps secrets out of --help and --print-config', async () => {
    const env = { SMS_TOKEN: TOKEN, SMS_SK: SK, SMS_IAM_PASSWORD: PASSWORD }
    const help = startAgentProcess('node', ['--help'], env)
    expect(await help.exited).toBe(0)
    expect(help.lines.join('\n')).toContain('--handler-timeout DURATION')
    expectNoSecret(help.lines)

    const printed = startAgentProcess(
      'node',
      ['--print-config', '--endpoint', mock.url, '--server-id', 'srv-1', '--dry-run'],
      { SMS_TOKEN: TOKEN },
    )
    expect(await printed.exited).toBe(0)
    const config = JSON.parse(printed.lines.join('\n'))
    expect(config.auth).toEqual({ kind: 'token', token: '[redacted]' })
    expect(config.sources.serverId).toBe('flag --server-id')
    expectNoSecret(printed.lines)
  })

  it.each([
    ['a static token', { SMS_TOKEN: TOKEN }, [] as string[]],
    ['AK/SK', { SMS_AK: 'AKTEST0000000000', SMS_SK: SK }, []],
    [
      'an IAM password',
      { SMS_IAM_PASSWORD: PASSWORD },
      ['--iam-user', 'ops', '--iam-domain', 'demo', '--iam-endpoint', '<mock>'],
    ],
  ])('never logs a secret, through faults and errors, with %s', async (_, env, extra) => {
    const serverId = `srv-secrets-${Object.keys(env)[0]}`
    await mock.register(serverId)
    await mock.enqueue(serverId, [
      { command_name: 'START', command_param: { task_id: 'secret-test-1' } },
      { command_name: 'SYNC', command_param: { task_id: 'secret-test-2' } },
    ])
    await mock.client.addFaults([
      { kind: 'status', status: 500, count: 2, server: serverId },
      { kind: 'status', status: 401, count: 1, server: serverId },
      {
        kind: 'drop-connection',
        when: 'after',
        count: 1,
        server: serverId,
        route: 'command_result',
      },
      { kind: 'malformed-json', count: 1, server: serverId, route: 'command' },
    ])
    const agent = startAgentProcess(
      'node',
      [
        '--endpoint',
        mock.url,
        '--server-id',
        serverId,
        '--state-dir',
        join(dir, serverId),
        '--handler',
        handler,
        '--interval',
        '20ms',
        '--first-poll-jitter',
        '0ms',
        '--backoff-base',
        '10ms',
        '--backoff-max',
        '50ms',
        '--slow-retry',
        '50ms',
        '--request-timeout',
        '2s',
        '--log-level',
        'debug',
        ...extra.map((arg) => (arg === '<mock>' ? mock.url : arg)),
      ],
      env,
    )
    for (;;) {
      if ((await mock.results(serverId)).length === 2) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    agent.child.kill('SIGTERM')
    expect(await agent.exited).toBe(0)
    expect(agent.lines.length).toBeGreaterThan(10)
    expect(agent.events().some((event) => event.event === 'poll.error')).toBe(true)
    expectNoSecret(agent.lines)
    const results = await mock.results(serverId)
    expect(results.map((result) => result.result)).toEqual(['success', 'success'])
    for (const result of results) {
      const output = String(result.result_detail.output)
      expect(output).toContain(`ran ${result.command.command_name}`)
      // The handler's environment carries no credential and no agent setting.
      expectNoSecret([output])
      expect(output).not.toMatch(/^SMS_(TOKEN|SK|AK|IAM_PASSWORD)=/m)
    }
  })

  it('refuses a state directory locked by a live agent (exit 3), and a corrupt journal', async () => {
    const stateDir = join(dir, 'locked')
    const args = ['--endpoint', mock.url, '--server-id', 'srv-lock', '--state-dir', stateDir]
    await mock.register('srv-lock')
    const first = startAgentProcess('node', [...args, '--interval', '50ms'], { SMS_TOKEN: TOKEN })
    await first.waitForEvent((event) => event.event === 'agent.start')
    const second = startAgentProcess('node', args, { SMS_TOKEN: TOKEN })
    expect(await second.exited).toBe(3)
    expect(second.lines.join('\n')).toContain(`locked by another agent (pid ${first.pid}`)
    first.child.kill('SIGKILL')
    await first.exited
    // A lock left by a killed agent is taken over.
    const third = startAgentProcess('node', [...args, '--once'], { SMS_TOKEN: TOKEN })
    expect(await third.exited).toBe(0)
    expect(third.events().some((event) => event.event === 'lock.stale')).toBe(true)

    await writeFile(join(stateDir, 'journal.json'), '{"format":"sms-agent-journal","vers')
    const corrupt = startAgentProcess('node', [...args, '--once'], { SMS_TOKEN: TOKEN })
    expect(await corrupt.exited).toBe(3)
    expect(corrupt.lines.join('\n')).toContain('is corrupt')
    expect(await readFile(join(stateDir, 'journal.json'), 'utf8')).toBe(
      '{"format":"sms-agent-journal","vers',
    )
  })

  // Node's mkdir({ recursive: true }) never settles for a path under /proc: the agent printed
  // nothing, ignored SIGTERM and spun at full CPU (found by a new-user trial: `--state-dir /proc/nope`).
  it.skipIf(!existsSync('/proc/self'))(
    'exits 3 at once naming a state directory the kernel refuses to create (under /proc)',
    async () => {
      const agent = startAgentProcess(
        'node',
        [
          '--endpoint',
          mock.url,
          '--server-id',
          'srv-proc',
          '--state-dir',
          '/proc/sms-agent-state',
          '--once',
        ],
        { SMS_TOKEN: TOKEN },
      )
      expect(await agent.exited).toBe(3)
      expect(agent.lines.join('\n')).toContain(
        'Cannot create state directory /proc/sms-agent-state',
      )
    },
    15_000,
  )

  it('starts after a reboot: a lock whose pid now belongs to another process ({"pid":1,…}) is taken over with a warning', async () => {
    const stateDir = join(dir, 'rebooted')
    await mkdir(stateDir, { recursive: true })
    await writeFile(
      join(stateDir, 'agent.lock'),
      `${JSON.stringify({ pid: 1, runtime: 'node 20.19.0', startedAt: '2026-11-28T03:00:00.000Z' })}\n`,
    )
    await mock.register('srv-reboot')
    const args = ['--endpoint', mock.url, '--server-id', 'srv-reboot', '--state-dir', stateDir]
    const agent = startAgentProcess('node', [...args, '--once'], { SMS_TOKEN: TOKEN })
    expect(await agent.exited).toBe(0)
    const stale = agent.events().find((event) => event.event === 'lock.stale')
    expect(stale).toMatchObject({ level: 'warn', pid: 1 })
    expect(String(stale?.reason)).toContain('not an sms-agent')
  })

  it('starts over a torn or garbage lock file (a crash mid-write), taking it over with a warning instead of exit 3', async () => {
    for (const [index, text] of [
      '{"pid":12345,"runt',
      'xyz garbage',
      '{"pid":"1"}',
      '[]',
    ].entries()) {
      const stateDir = join(dir, `torn-lock-${index}`)
      await mkdir(stateDir, { recursive: true })
      await writeFile(join(stateDir, 'agent.lock'), text)
      await mock.register(`srv-torn-${index}`)
      const args = [
        '--endpoint',
        mock.url,
        '--server-id',
        `srv-torn-${index}`,
        '--state-dir',
        stateDir,
      ]
      const agent = startAgentProcess('node', [...args, '--once'], { SMS_TOKEN: TOKEN })
      expect(await agent.exited, agent.lines.join('\n')).toBe(0)
      const stale = agent.events().find((event) => event.event === 'lock.stale')
      expect(stale).toMatchObject({ level: 'warn' })
      expect(String(stale?.reason)).toContain('not a readable sms-agent lock')
    }
  })

  it('on a cloned machine exits 3 saying what to do; --adopt-state takes the journal over; results name the host', async () => {
    const stateDir = join(dir, 'cloned')
    await mock.register('srv-clone')
    await mock.enqueue('srv-clone', [{ command_name: 'SYNC', command_param: { task_id: 'c1' } }])
    const args = ['--endpoint', mock.url, '--server-id', 'srv-clone', '--state-dir', stateDir]
    const first = startAgentProcess('node', [...args, '--handler', handler, '--once'], {
      SMS_TOKEN: TOKEN,
    })
    expect(await first.exited).toBe(0)
    expect((await mock.results('srv-clone'))[0]?.result_detail.host).toBe(hostname())
    // The image was taken here and booted as another machine: its journal names this one.
    const file = join(stateDir, 'journal.json')
    const journal = JSON.parse(await readFile(file, 'utf8'))
    expect(journal.machine).toMatchObject({ hostname: hostname() })
    journal.machine = { machineId: '0'.repeat(32), hostname: 'golden-image' }
    await writeFile(file, JSON.stringify(journal))
    const clone = startAgentProcess('node', [...args, '--once'], { SMS_TOKEN: TOKEN })
    expect(await clone.exited).toBe(3)
    const said = clone.lines.join('\n')
    expect(said).toContain('written on another machine (host \\"golden-image\\"')
    expect(said).toContain('--adopt-state')
    const adopted = startAgentProcess('node', [...args, '--once', '--adopt-state'], {
      SMS_TOKEN: TOKEN,
    })
    expect(await adopted.exited).toBe(0)
    expect(adopted.events().some((event) => event.event === 'state.adopted')).toBe(true)
  })

  it('drains on SIGTERM (exit 0) and exits at once on a second signal (exit 143)', async () => {
    const slow = join(dir, 'slow.sh')
    await writeFile(slow, '#!/bin/sh\necho started\nsleep 20\n')
    await chmod(slow, 0o755)
    await mock.register('srv-signals')
    await mock.enqueue('srv-signals', [
      { command_name: 'START', command_param: { task_id: 'sig-1' } },
    ])
    const agent = startAgentProcess(
      'node',
      [
        '--endpoint',
        mock.url,
        '--server-id',
        'srv-signals',
        '--state-dir',
        join(dir, 'signals'),
        '--handler',
        slow,
        '--interval',
        '50ms',
        '--first-poll-jitter',
        '0ms',
        '--shutdown-grace',
        '20s',
      ],
      { SMS_TOKEN: TOKEN },
    )
    await agent.waitForEvent((event) => event.event === 'command.start')
    agent.child.kill('SIGTERM')
    await agent.waitForEvent((event) => event.event === 'agent.stopping')
    const started = Date.now()
    agent.child.kill('SIGTERM')
    expect(await agent.exited).toBe(143)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(agent.events().some((event) => event.event === 'agent.exit-now')).toBe(true)

    // The next start reports the cut-short command as interrupted, without running it again.
    const next = startAgentProcess(
      'node',
      [
        '--endpoint',
        mock.url,
        '--server-id',
        'srv-signals',
        '--state-dir',
        join(dir, 'signals'),
        '--handler',
        slow,
        '--once',
      ],
      { SMS_TOKEN: TOKEN },
    )
    expect(await next.exited).toBe(0)
    const results = await mock.results('srv-signals')
    expect(results).toMatchObject([{ result: 'fail', result_detail: { reason: 'interrupted' } }])
    expect(next.events().some((event) => event.event === 'command.start')).toBe(false)
  })

  it('makes every result fit: a handler printing 9,000 bytes of 0xFF is reported, trimmed from the front', async () => {
    const noisy = join(dir, 'noisy.sh')
    await writeFile(
      noisy,
      "#!/bin/sh\nhead -c 9000 /dev/zero | tr '\\000' '\\377'\nprintf '\\000\\033[31m\\001'\necho 'tail end'\nexit 1\n",
    )
    await chmod(noisy, 0o755)
    await mock.register('srv-noisy')
    await mock.enqueue('srv-noisy', [{ command_name: 'SYNC', command_param: { task_id: 'big' } }])
    const agent = startAgentProcess(
      'node',
      [
        ...['--endpoint', mock.url, '--server-id', 'srv-noisy'],
        ...['--state-dir', join(dir, 'noisy'), '--handler', noisy, '--output-tail', '8192'],
        '--once',
      ],
      { SMS_TOKEN: TOKEN },
    )
    expect(await agent.exited).toBe(0)
    const [recorded] = await mock.results('srv-noisy')
    expect(recorded).toMatchObject({
      result: 'fail',
      result_detail: { task_id: 'big', output_truncated: true, report_trimmed: true },
    })
    expect(String(recorded?.result_detail.output)).toMatch(/tail end\n$/)
    expect(agent.events().some((event) => event.event === 'report.trimmed')).toBe(true)
  })

  it('serves /healthz, /metrics and /events on --status-port', async () => {
    await mock.register('srv-status')
    const agent = startAgentProcess(
      'node',
      [
        '--endpoint',
        mock.url,
        '--server-id',
        'srv-status',
        '--state-dir',
        join(dir, 'status'),
        '--interval',
        '50ms',
        '--first-poll-jitter',
        '0ms',
        '--status-port',
        '0',
      ],
      { SMS_TOKEN: TOKEN },
    )
    try {
      const listening = await agent.waitForEvent((event) => event.event === 'status.listening')
      const url = String(listening.url)
      await agent.waitForEvent((event) => event.event === 'agent.start')
      for (;;) {
        const health = await fetch(`${url}/healthz`)
        if (health.status === 200) {
          expect(await health.json()).toMatchObject({ status: 'ok', state: 'polling' })
          break
        }
        expect(health.status).toBe(503)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const metrics = await fetch(`${url}/metrics`)
      expect(metrics.headers.get('content-type')).toContain('application/openmetrics-text')
      const text = await metrics.text()
      expect(text).toMatch(/sms_agent_polls_total\{outcome="idle"\} [1-9]/)
      expect(text.endsWith('# EOF\n')).toBe(true)

      const controller = new AbortController()
      const events = await fetch(`${url}/events`, { signal: controller.signal })
      expect(events.headers.get('content-type')).toContain('text/event-stream')
      const reader = (events.body as ReadableStream<Uint8Array>).getReader()
      let received = ''
      while (!received.includes('"event":"agent.start"')) {
        const { value, done } = await reader.read()
        if (done) break
        received += new TextDecoder().decode(value)
      }
      controller.abort()
      expect(received).toMatch(/^retry: 2000\n\nid: 1\ndata: \{"time":/)
      expect((await fetch(`${url}/nope`)).status).toBe(404)
    } finally {
      agent.child.kill('SIGTERM')
      expect(await agent.exited).toBe(0)
    }
  })
})
