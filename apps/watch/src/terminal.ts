/** Switch to the alternate screen (what vim, less, htop use), cursor home, screen cleared. */
export const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H\u001b[2J'
/** Back to the normal screen as it was, cursor shown. */
export const LEAVE_ALT_SCREEN = '\u001b[?1049l\u001b[?25h'

let active: NodeJS.WriteStream | undefined
const restoreOnExit = () => {
  if (active) leaveFullScreen(active)
}

/**
 * Draws on the alternate screen so the shell's scrollback is untouched, and makes sure the
 * terminal is restored even if the process exits unexpectedly.
 *
 * @example
 * enterFullScreen(process.stdout)
 * try { await app.waitUntilExit() } finally { leaveFullScreen(process.stdout) }
 */
export function enterFullScreen(stdout: NodeJS.WriteStream): void {
  if (active) return
  active = stdout
  stdout.write(ENTER_ALT_SCREEN)
  process.once('exit', restoreOnExit)
}

/**
 * Leaves the alternate screen and shows the cursor; safe to call twice.
 *
 * @example
 * leaveFullScreen(process.stdout)
 */
export function leaveFullScreen(stdout: NodeJS.WriteStream): void {
  if (active !== stdout) return
  active = undefined
  process.off('exit', restoreOnExit)
  if (stdout.writable) stdout.write(LEAVE_ALT_SCREEN)
}
