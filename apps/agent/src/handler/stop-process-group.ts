import type { Platform } from '../platform/platform.ts'

/**
 * Terminates a process group a previous run left behind: SIGTERM, then SIGKILL after `graceMs`
 * if it is still there. Resolves true when something was there to stop.
 *
 * @example
 * await stopProcessGroup(platform, journaledPid, 10_000)
 */
export async function stopProcessGroup(
  platform: Platform,
  pgid: number,
  graceMs: number,
): Promise<boolean> {
  if (!(await platform.killProcessGroup(pgid, 'SIGTERM'))) return false
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
    if (!(await platform.killProcessGroup(pgid, 0))) return true
  }
  await platform.killProcessGroup(pgid, 'SIGKILL')
  return true
}
