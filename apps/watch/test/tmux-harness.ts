// The tmux steps every real-terminal test shares: a private tmux server per describe block (its
// own socket, no status line), one session named `watch` running the built sms-watch, and a loop
// that reads the screen until it shows what the test waits for.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The built CLI the sessions run. */
export const cli: string = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

/** Whether tmux is installed; the tmux tests skip (with a warning) when it is not. */
export const hasTmux: boolean = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0

/**
 * The shell command that runs sms-watch as a terminal user would: without CI variables (Ink draws
 * only the last frame when CI is set), with `env` settings first and CLI `args` after.
 *
 * @example
 * watchCommand('NO_COLOR=1', `--mock ${mock.url}`)
 */
export function watchCommand(env: string, args: string): string {
  return `env -u CI -u CONTINUOUS_INTEGRATION ${env} ${JSON.stringify(process.execPath)} ${JSON.stringify(cli)} ${args}`
}

/** A tmux server of its own with one session, `watch`. */
export interface TmuxSession {
  /** Runs a tmux command on this server and returns its output. */
  tmux(...args: string[]): string
  /** The visible screen of the `watch` session. */
  screen(): string
  /** A tmux format (e.g. `#{alternate_on}`) evaluated for the `watch` pane. */
  pane(format: string): string
  /** Reads the screen every 50 ms until `check` passes; throws with the screen after the timeout. */
  until(check: (text: string) => boolean, what: string, timeoutMs?: number): Promise<string>
  /** Creates the temporary directory with the tmux.conf; call before {@link TmuxSession.start}. */
  open(): void
  /**
   * Resizes the window and waits for a frame that fits it: the header on the first row, the key
   * footer on the last but one, and whatever else `alsoShows` asks of the screen.
   */
  resizeTo(cols: number, rows: number, alsoShows?: (text: string) => boolean): Promise<string>
  /** Starts the `watch` session at `cols`×`rows` running `command` in a shell. */
  start(cols: number, rows: number, command: string): void
  /** Kills the tmux server and removes the temporary directory. */
  close(): void
}

/**
 * A tmux session harness on socket `<name>-<pid>`. `utf8` runs tmux with `-u` and LANG=C.UTF-8
 * (for names outside ASCII); `untilTimeoutMs` is how long {@link TmuxSession.until} waits unless
 * told otherwise.
 *
 * @example
 * const session = tmuxSession('sms-watch-resize')
 * beforeAll(() => { session.open(); session.start(120, 40, watchCommand('NO_COLOR=1', '--mock …')) })
 * afterAll(() => session.close())
 */
export function tmuxSession(
  name: string,
  options: { utf8?: boolean; untilTimeoutMs?: number } = {},
): TmuxSession {
  const socket = `${name}-${process.pid}`
  const untilTimeoutMs = options.untilTimeoutMs ?? 8_000
  let dir = ''
  const tmux = (...args: string[]) =>
    options.utf8
      ? execFileSync('tmux', ['-u', '-L', socket, '-f', join(dir, 'tmux.conf'), ...args], {
          encoding: 'utf8',
          env: { ...process.env, LANG: 'C.UTF-8' },
        })
      : execFileSync('tmux', ['-L', socket, '-f', join(dir, 'tmux.conf'), ...args], {
          encoding: 'utf8',
        })
  const screen = () => tmux('capture-pane', '-p', '-t', 'watch')
  async function until(check: (text: string) => boolean, what: string, timeoutMs = untilTimeoutMs) {
    const deadline = Date.now() + timeoutMs
    let text = ''
    while (Date.now() < deadline) {
      text = screen()
      if (check(text)) return text
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error(`timed out waiting for ${what}; the screen shows:\n${text}`)
  }
  return {
    tmux,
    screen,
    pane: (format) => tmux('display-message', '-p', '-t', 'watch', format).trim(),
    until,
    resizeTo(cols, rows, alsoShows = () => true) {
      tmux('resize-window', '-t', 'watch', '-x', String(cols), '-y', String(rows))
      return until((t) => {
        const lines = t.split('\n')
        return (
          lines[0]?.includes('sms-watch') === true &&
          lines[rows - 2]?.includes('↑ move') === true &&
          alsoShows(t)
        )
      }, `a ${cols}×${rows} frame`)
    },
    open() {
      dir = mkdtempSync(join(tmpdir(), 'sms-watch-tmux-'))
      writeFileSync(join(dir, 'tmux.conf'), 'set -g status off\n')
    },
    start(cols, rows, command) {
      tmux('new-session', '-d', '-s', 'watch', '-x', String(cols), '-y', String(rows), command)
    },
    close() {
      spawnSync('tmux', ['-L', socket, 'kill-server'])
      if (dir) rmSync(dir, { recursive: true, force: true })
    },
  }
}
