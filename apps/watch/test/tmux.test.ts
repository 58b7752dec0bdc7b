import { existsSync } from 'node:fs'
import { type RunningNodeServer, startNodeServer } from '@sms-command/mock-server/node'
import stringWidth from 'string-width'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mockAdmin } from './mock-admin.ts'
import { cli, hasTmux, tmuxSession, watchCommand } from './tmux-harness.ts'

// A real terminal: tmux runs the built `sms-watch` against the mock server over HTTP, the test
// types keys into it and reads the screen back. CI installs tmux (`apt-get install -y tmux`).
if (!hasTmux) {
  console.warn('tmux.test.ts skipped: tmux is not installed (apt-get install -y tmux)')
}

const ADMIN = 'tmux-admin-token'

describe.skipIf(!hasTmux)('sms-watch in a real terminal (tmux)', () => {
  let mock: RunningNodeServer
  const { tmux, pane, until, ...session } = tmuxSession('sms-watch-test')
  const admin = () => mockAdmin(mock.url, ADMIN)

  beforeAll(async () => {
    if (!existsSync(cli))
      throw new Error(`${cli} is missing: build first (pnpm --filter @sms-command/watch build)`)
    session.open()
    mock = await startNodeServer({
      port: 0,
      tokens: ['agent-token'],
      adminToken: ADMIN,
      demo: false,
    })
    for (const id of ['db-01', 'web-01', 'web-02', 'web-03']) await admin().registerServer({ id })
    await admin().enqueue('web-02', {
      command_name: 'START',
      command_param: { task_id: 'task-42' },
    })
    session.start(
      120,
      30,
      // The shell prints the exit status once sms-watch is gone, then idles without touching the
      // terminal, so what tmux reports afterwards is what sms-watch left behind.
      `${watchCommand('TERM=xterm-256color', `--mock ${mock.url} --admin-token ${ADMIN}`)}; echo "exit status $?"; exec sleep 60`,
    )
  })

  afterAll(async () => {
    session.close()
    await mock?.close()
  })

  it('draws the fleet full screen, then answers j, /, Enter, p, ? and q', async () => {
    // The snapshot's rows and their commands arrive in two steps (rows at once, updates batched):
    // wait for both, or a loaded machine catches the frame in between.
    let text = await until(
      (t) => t.includes('● live') && t.includes('web-03') && t.includes('task-42'),
      'the first frame',
    )
    const lines = text.split('\n')
    expect(lines[0]).toContain('sms-watch')
    expect(text).toMatch(/web-02\s+pending\s+START\s+task-42/)
    expect(text).toMatch(/› db-01/)
    expect(pane('#{alternate_on}')).toBe('1')

    tmux('send-keys', '-t', 'watch', 'j')
    text = await until((t) => /› web-01/.test(t), 'j to select web-01')

    tmux('send-keys', '-t', 'watch', '/', 'w', 'e', 'b', '-', '0', '2')
    text = await until((t) => t.includes('filter "web-02"'), 'the filter')
    expect(text).not.toContain('db-01')
    expect(text).toMatch(/\/ {2}web-02█/)
    // Keys that reach the terminal together (fast typing, a paste, a slow link) arrive as one
    // read: each backspace in it still deletes one character, DEL and BS alike.
    tmux('send-keys', '-t', 'watch', '-l', '\u007f\u007f')
    text = await until((t) => /\/ {2}web-█/.test(t), 'two batched DEL bytes to delete "02"')
    tmux('send-keys', '-t', 'watch', '-l', '\b\b')
    text = await until((t) => /\/ {2}we█/.test(t), 'two batched BS bytes to delete "b-"')
    tmux('send-keys', '-t', 'watch', '-l', 'b-02')
    text = await until((t) => t.includes('filter "web-02"'), 'the filter typed again')

    tmux('send-keys', '-t', 'watch', 'Enter')
    await until((t) => !t.includes('█'), 'Enter to keep the filter')
    tmux('send-keys', '-t', 'watch', 'Enter')
    text = await until((t) => t.includes('─ web-02 ─ pending'), 'Enter to open the detail pane')
    expect(text).toContain('command START task task-42')

    tmux('send-keys', '-t', 'watch', 'p')
    await until((t) => t.includes('PAUSED'), 'p to pause')
    await admin().enqueue('web-02', {
      command_name: 'STOP',
      command_param: { task_id: 'held-back' },
    })
    text = await until((t) => /PAUSED · [1-9]\d* updates? held/.test(t), 'the held update count')
    expect(text).not.toContain('held-back')
    tmux('send-keys', '-t', 'watch', 'p')
    await until((t) => !t.includes('PAUSED'), 'p to resume')

    tmux('send-keys', '-t', 'watch', '?')
    text = await until((t) => t.includes('keys: ? or Esc closes this help'), '? for help')
    expect(text).toContain('pause or resume the display (polling carries on)')
    tmux('send-keys', '-t', 'watch', '?')
    await until((t) => !t.includes('keys: ? or Esc'), '? to close help')

    tmux('send-keys', '-t', 'watch', 'q')
    text = await until((t) => t.includes('exit status'), 'q to quit', 5_000)
    // Restored: back on the normal screen, with the cursor visible, and no frame left behind.
    expect(text.trim().split('\n')[0]).toBe('exit status 0')
    expect(text).not.toContain('sms-watch')
    expect(pane('#{alternate_on}')).toBe('0')
    expect(pane('#{cursor_flag}')).toBe('1')
  })
})

describe.skipIf(!hasTmux)('sms-watch resized in a real terminal (tmux)', () => {
  let mock: RunningNodeServer
  const { tmux, until, ...session } = tmuxSession('sms-watch-resize')

  beforeAll(async () => {
    session.open()
    mock = await startNodeServer({ port: 0, tokens: ['t'], demo: false })
    const ids = Array.from({ length: 200 }, (_, i) => `srv-${String(i + 1).padStart(3, '0')}`)
    for (const id of ids) {
      await mockAdmin(mock.url).registerServer({ id })
    }
    session.start(120, 40, watchCommand('NO_COLOR=1', `--mock ${mock.url}`))
  })

  afterAll(async () => {
    session.close()
    await mock?.close()
  })

  it('windows a long fleet and redraws to fit after each resize, header on top', async () => {
    let text = await until(
      (t) => t.includes('200 servers') && /… \d+ more/.test(t),
      'the first frame',
    )
    expect(text.split('\n')[0]).toContain('sms-watch')
    for (const [cols, rows] of [
      [80, 15],
      [150, 50],
      [60, 12],
    ] as const) {
      // The footer sits on the last row but one and the header on the first: the frame fits
      // exactly, nothing scrolled off the top, no stale line of the old size is left.
      text = await session.resizeTo(cols, rows)
      const lines = text.split('\n')
      expect(lines.filter((line) => line.includes('sms-watch'))).toHaveLength(1)
      expect(lines.filter((line) => line.includes('↑ move'))).toHaveLength(1)
      expect(text).toMatch(/… \d+ more/)
      expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(cols)
    }
    tmux('send-keys', '-t', 'watch', 'q')
  })
})

describe.skipIf(!hasTmux)('sms-watch with CJK, emoji, combining and bidi names (tmux)', () => {
  let mock: RunningNodeServer
  const { tmux, until, ...session } = tmuxSession('sms-watch-names', { utf8: true })
  const NAMES = [
    '北京-数据库-01',
    'db-🚀-01',
    'cafe\u0301-web-01',
    '👨\u200d👩\u200d👧-family',
    'web-\u202e10-bew',
    'web\u200b-01',
    `${'長'.repeat(30)}-long`,
    'ｆｕｌｌｗｉｄｔｈ-０１',
  ]

  beforeAll(async () => {
    session.open()
    mock = await startNodeServer({ port: 0, tokens: ['t'], demo: false })
    for (const id of NAMES) {
      const registered = await mockAdmin(mock.url).registerServer({ id })
      expect(registered.id).toBe(id)
    }
    await mockAdmin(mock.url).enqueue(NAMES[0] ?? '', {
      command_name: 'START',
      command_param: { task_id: '任务-🚀-\u202e01', bucket: 'バケット' },
    })
    session.start(80, 24, watchCommand('LANG=C.UTF-8 NO_COLOR=1', `--mock ${mock.url}`))
  })

  afterAll(async () => {
    session.close()
    await mock?.close()
  })

  it('keeps every line within the terminal at 80×24 and 140×40, markers visible', async () => {
    for (const [cols, rows] of [
      [80, 24],
      [140, 40],
    ] as const) {
      const text = await session.resizeTo(
        cols,
        rows,
        (t) => t.includes(`${NAMES.length} servers`) && t.includes('START'),
      )
      const lines = text.split('\n')
      for (const line of lines) {
        expect(stringWidth(line), `${cols}×${rows}: ${line}`).toBeLessThanOrEqual(cols)
      }
      expect(lines.filter((line) => line.includes('sms-watch'))).toHaveLength(1)
      // Bidi and invisible characters show as markers; CJK, emoji and accents as themselves.
      expect(text).toContain('web-⟨U+202E⟩')
      expect(text).not.toMatch(/[\u202e\u200b]/)
      expect(text).toContain('db-🚀-01')
      expect(text).toContain('北京-数据')
      // The state column starts at the same cell on every server row.
      const starts = new Set(
        lines
          .filter((line) => /^(› | {2}\S)/u.test(line))
          .map((line) => /^(.*?) (waiting|idle|pending|delivered|running|error) /u.exec(line))
          .filter((match) => match !== null)
          .map((match) => stringWidth(match[1] ?? '')),
      )
      expect(starts.size).toBe(1)
    }
    tmux('send-keys', '-t', 'watch', 'q')
  })
})

describe.skipIf(!hasTmux)('sms-watch --servers all with hostile names from SMS (tmux)', () => {
  let mock: RunningNodeServer
  const { tmux, until, ...session } = tmuxSession('sms-watch-fleet', {
    utf8: true,
    untilTimeoutMs: 10_000,
  })
  const SERVERS = [
    { id: 'a1', name: '北京-数据库-01', state: 'replicate', migration_cycle: 'replicating' },
    { id: 'a2', name: 'db-🚀-01', state: 'syncing', migration_cycle: 'syncing' },
    { id: 'a3', name: 'cafe\u0301-web-01', state: 'finished', migration_cycle: 'cutovered' },
    { id: 'a4', name: 'web-\u202e10-bew', state: '复制中\u2066', migration_cycle: 'checking' },
    { id: 'a5', name: '👨\u200d👩\u200d👧-ops', state: 'error', migration_cycle: 'setting' },
  ]

  beforeAll(async () => {
    session.open()
    mock = await startNodeServer({ port: 0, tokens: ['fleet-token'], demo: false })
    for (const server of SERVERS) {
      const registered = await mockAdmin(mock.url).registerServer(server)
      expect(registered.id).toBe(server.id)
    }
    session.start(
      80,
      24,
      watchCommand(
        'LANG=C.UTF-8 NO_COLOR=1 SMS_TOKEN=fleet-token',
        `--endpoint ${mock.url} --servers all --max-rps 50 --interval 1s`,
      ),
    )
  })

  afterAll(async () => {
    session.close()
    await mock?.close()
  })

  it('shows names, SMS state and cycle within the width at 80×24 and 140×40', async () => {
    for (const [cols, rows] of [
      [80, 24],
      [140, 40],
    ] as const) {
      const text = await session.resizeTo(
        cols,
        rows,
        (t) => t.split('\n')[1]?.includes('5 servers') === true && t.includes('idle'),
      )
      const lines = text.split('\n')
      for (const line of lines) {
        expect(stringWidth(line), `${cols}×${rows}: ${line}`).toBeLessThanOrEqual(cols)
      }
      expect(text).toContain('北京-数据')
      // The bidi control shows as a marker (cut to the column at 80 cells).
      expect(text).toContain('web-⟨U+20')
      expect(text).not.toMatch(/[\u202e\u2066]/)
      expect(text).toMatch(/ {2}SERVER▲ +STATE +COMMAND +SMS/)
      expect(text).toContain('replicate')
      // Names, not ids, in the table.
      expect(text).not.toMatch(/^[› ] a1 /m)
      if (cols === 140) {
        // Room enough: names in full; the columns with nothing in them (no command: task,
        // bucket) don't keep it from them.
        expect(text).toContain('北京-数据库-01')
        expect(text).toContain('db-🚀-01')
        expect(text).not.toMatch(/BUCKET {2,}/)
      }
    }
    tmux('send-keys', '-t', 'watch', 'q')
  })
})

describe.skipIf(!hasTmux)('sms-watch --servers all at 80 columns when SMS throttles (tmux)', () => {
  let mock: RunningNodeServer
  const { tmux, until, ...session } = tmuxSession('sms-watch-throttle', { utf8: true })
  const admin = () => mockAdmin(mock.url)
  const COMMANDS = ['START', 'STOP', 'SYNC', 'DELETE', 'START', 'STOP']

  beforeAll(async () => {
    session.open()
    mock = await startNodeServer({ port: 0, tokens: ['throttle-token'], demo: false })
    for (const [index, command] of COMMANDS.entries()) {
      const id = `t${index}`
      expect((await admin().registerServer({ id, name: `host-${index}` })).id).toBe(id)
      const queued = await admin().enqueue(id, {
        command_name: command,
        command_param: { task_id: `task-${index}` },
      })
      expect(queued).toHaveLength(1)
    }
    // The reviewer's fault: the fleet list is throttled once, with Retry-After 2 s.
    const fault = await admin().addFaults({
      kind: 'status',
      route: 'sources',
      status: 429,
      count: 1,
      retryAfterSeconds: 2,
    })
    expect(fault).toHaveLength(1)
    session.start(
      80,
      24,
      watchCommand(
        'LANG=C.UTF-8 NO_COLOR=1 SMS_TOKEN=throttle-token',
        `--endpoint ${mock.url} --servers all --max-rps 20 --interval 1s`,
      ),
    )
  })

  afterAll(async () => {
    session.close()
    await mock?.close()
  })

  it('lists the fleet soon after a throttled list, and keeps budget and hold in the header', async () => {
    // The header says the list failed and when it is tried again, at 80 columns too.
    const failed = await until(
      (t) => /✗ listing failed, retry at \d\d:\d\d:\d\d/.test(t.split('\n')[0] ?? ''),
      'the failed list and its retry time in the header',
    )
    expect(stringWidth(failed.split('\n')[0] ?? '')).toBeLessThanOrEqual(80)
    // Retried after its Retry-After (2 s), not a minute later.
    const listed = await until(
      (t) => t.split('\n')[1]?.includes(`${COMMANDS.length} servers`) === true,
      'the fleet listed after the 429',
      8_000,
    )
    expect(listed).toContain('host-0')
    // The first polls have answered before the throttle, so there is something held to show.
    await until((t) => t.includes('pending'), 'the first polls to show pending commands', 8_000)
    // A poll throttled with a long Retry-After: every poll is held, the rate halved.
    const fault = await admin().addFaults({
      kind: 'status',
      route: 'command',
      status: 429,
      count: 1,
      retryAfterSeconds: 30,
    })
    expect(fault).toHaveLength(1)
    const text = await until(
      (t) => (t.split('\n')[1] ?? '').includes('held until'),
      'the header to say the polls are held',
    )
    const lines = text.split('\n')
    for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(80)
    const header = lines[1] ?? ''
    expect(header).toMatch(
      /every \S+ \(budget [\d.]+ of 20\/s after a 429\) held until \d\d:\d\d:\d\d/,
    )
    expect(header).toContain(`${COMMANDS.length} servers`)
    expect(text).toContain('pending')
    tmux('send-keys', '-t', 'watch', 'q')
  })
})
