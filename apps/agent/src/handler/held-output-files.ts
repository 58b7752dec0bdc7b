/**
 * Output files a finished handler may have left with writers: processes it started that kept
 * the stdout/stderr they inherited (`nohup svc &` without a redirect). They can write on
 * forever, during this agent's life and after it, so the agent bounds each file (truncating is
 * safe: they append), and removes it once nobody writes it any more (removing is safe too: an
 * open file stays writable). A later start adopts the files an earlier agent left.
 */

import { readdir, stat, truncate, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import type { Scheduler, SmsCommand } from '@sms-command/core'
import type { EmittedAgentEventOf } from '@sms-command/core/events'
import { OUTPUT_FILE_CAP_BYTES, outputFilePgid } from './output-file.ts'

/** How often the held files are looked at. */
export const HELD_CHECK_MS = 10_000

/** Options of {@link HeldOutputFiles}. */
export interface HeldOutputFilesOptions<Context> {
  /** `<state>/output`. */
  dir: string
  scheduler: Scheduler
  /** True while a process group has members (`kill -0 -PGID`). */
  groupAlive: (pgid: number) => Promise<boolean>
  /** Called once per file, when it is first known to have a writer besides the handler. */
  onHeld?: (path: string, context: Context | undefined) => void
  capBytes?: number
  checkEveryMs?: number
}

interface Held<Context> {
  pgid: number | undefined
  size: number
  reported: boolean
  context: Context | undefined
}

/**
 * Watches handler output files after their handler exited: every {@link HELD_CHECK_MS}, a file
 * past the cap is truncated to 0, and a file whose process group is gone and that did not grow
 * since the last look is removed.
 *
 * @example
 * const held = new HeldOutputFiles({ dir: join(stateDir, 'output'), scheduler, groupAlive })
 * await held.adoptLeftovers()
 * held.start()
 * held.hold(file, pgid, { alive: true, context: { task_id } })
 * await held.close()
 */
export class HeldOutputFiles<Context = unknown> {
  private readonly files = new Map<string, Held<Context>>()
  private readonly stopping = new AbortController()
  private loop: Promise<void> | undefined
  private round: Promise<void> = Promise.resolve()
  private readonly capBytes: number
  private readonly checkEveryMs: number

  constructor(private readonly options: HeldOutputFilesOptions<Context>) {
    this.capBytes = options.capBytes ?? OUTPUT_FILE_CAP_BYTES
    this.checkEveryMs = options.checkEveryMs ?? HELD_CHECK_MS
  }

  /**
   * The watcher the agent runs: the leftovers in `dir` adopted and the checks started; none
   * without a directory (a dry run).
   *
   * @example
   * const held = await HeldOutputFiles.adopt(join(stateDir, 'output'), { scheduler, groupAlive })
   */
  static async adopt<Context>(
    dir: string | undefined,
    options: Omit<HeldOutputFilesOptions<Context>, 'dir'>,
  ): Promise<HeldOutputFiles<Context> | undefined> {
    if (dir === undefined) return undefined
    const files = new HeldOutputFiles({ ...options, dir })
    await files.adoptLeftovers()
    files.start()
    return files
  }

  /** The files watched now. */
  get paths(): string[] {
    return [...this.files.keys()]
  }

  /**
   * Takes over the files an earlier agent left (it exited, was killed, or crashed): each is
   * truncated to 0 now (nobody reads them any more) and watched like a freshly held file.
   * Returns their paths.
   */
  async adoptLeftovers(): Promise<string[]> {
    let names: string[]
    try {
      names = await readdir(this.options.dir)
    } catch {
      return [] // no output directory yet
    }
    const adopted: string[] = []
    for (const name of names) {
      if (!name.endsWith('.log')) continue
      const path = join(this.options.dir, name)
      try {
        await truncate(path, 0)
      } catch {
        continue
      }
      this.files.set(path, {
        pgid: outputFilePgid(name),
        size: 0,
        reported: false,
        context: undefined,
      })
      adopted.push(path)
    }
    return adopted
  }

  /**
   * Watches `path` from now on; `size` is what the handler itself wrote (read at its exit). `alive`
   * says the handler's group outlived it: the file is then reported held at once; otherwise only
   * if it grows.
   */
  hold(
    path: string,
    pgid: number | undefined,
    how: { size: number; alive: boolean; context?: Context },
  ): void {
    this.files.set(path, { pgid, size: how.size, reported: false, context: how.context })
    if (how.alive) this.report(path)
  }

  /** Starts the periodic checks (they end with {@link close}). */
  start(): void {
    this.loop ??= (async () => {
      const signal = this.stopping.signal
      while (!signal.aborted) {
        try {
          await this.options.scheduler.sleep(this.checkEveryMs, signal)
        } catch {
          return
        }
        await this.check()
      }
    })()
  }

  /** One round over every held file (rounds never overlap). */
  check(): Promise<void> {
    this.round = this.round
      .then(async () => {
        for (const path of [...this.files.keys()]) await this.look(path)
      })
      // A failed look (an unexpected fs error) must not end every later round.
      .catch(() => {})
    return this.round
  }

  /** Resolves once the round under way (if any) is over. */
  idle(): Promise<void> {
    return this.round
  }

  /** Ends the checks. The files stay: the next start adopts them. */
  async close(): Promise<void> {
    this.stopping.abort()
    await this.loop
  }

  private report(path: string): void {
    const held = this.files.get(path)
    if (!held || held.reported) return
    held.reported = true
    this.options.onHeld?.(path, held.context)
  }

  private async look(path: string): Promise<void> {
    const held = this.files.get(path)
    if (!held) return
    let size: number
    try {
      size = (await stat(path)).size
    } catch {
      this.files.delete(path) // removed by someone else
      return
    }
    // Growth after the handler's exit (or after an adoption) means another writer.
    const grew = size > held.size
    if (grew) this.report(path)
    if (size > this.capBytes) {
      await truncate(path, 0).catch(() => {})
      size = 0
    }
    held.size = size
    if (grew) return
    const alive =
      held.pgid !== undefined && (await this.options.groupAlive(held.pgid).catch(() => true))
    if (alive) return
    this.files.delete(path)
    await unlink(path).catch(() => {})
  }
}

/** Which command's handler left the output behind (the fields of `handler.output-held`). */
export interface HeldOutputSubject {
  handler: string
  command: string
  task_id: string | undefined
}

/**
 * The subject of a command's `handler.output-held` event.
 *
 * @example
 * heldOutputSubject('/h', { command_name: 'START', command_param: { task_id: 't-1' } })
 * // { handler: '/h', command: 'START', task_id: 't-1' }
 */
export function heldOutputSubject(handler: string, command: SmsCommand): HeldOutputSubject {
  return { handler, command: command.command_name, task_id: command.command_param.task_id }
}

/**
 * The `handler.output-held` event: with `path` when the output goes to a file (it outlives the
 * agent), without it when the agent had to fall back to pipes (they end with the agent).
 *
 * @example
 * events.emit(outputHeldEvent({ handler, command: 'START', task_id: 't-1' }, file))
 */
export function outputHeldEvent(
  subject: HeldOutputSubject | undefined,
  path?: string,
): EmittedAgentEventOf<'handler.output-held'> {
  return {
    event: 'handler.output-held',
    ...subject,
    ...(path === undefined ? {} : { path }),
    msg:
      path === undefined
        ? 'the handler exited and left processes running that still hold its stdout/stderr pipes (the output file could not be created): the agent keeps reading and discarding their output so they are not killed by SIGPIPE, but they end when the agent stops. Redirect their output (>/dev/null 2>&1 or a log file) to make them independent of the agent'
        : `the handler exited and left processes running that may still write to the stdout/stderr they inherited (e.g. "nohup svc &" without a redirect): that output goes to ${path}, which outlives the agent, is truncated past ${OUTPUT_FILE_CAP_BYTES} bytes and removed once nothing writes it. Redirect their output (>/dev/null 2>&1 or a log file) to keep it`,
  }
}
