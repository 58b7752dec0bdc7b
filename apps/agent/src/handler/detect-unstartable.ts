/**
 * What is wrong with a handler file the kernel refused to start, in words an operator can act
 * on. The spawn error alone is misleading: a script with Windows line endings fails with ENOENT
 * although the file is right there (the kernel looks for the interpreter `/bin/sh\r`), and a
 * file still being copied fails with ETXTBSY, which Deno reports without an error code.
 */
import { open, stat } from 'node:fs/promises'

/** Kinds of "the handler could not be started", as `handler.start-deferred`'s `problem`. */
export type StartProblemKind =
  | 'busy'
  | 'missing'
  | 'crlf-shebang'
  | 'no-interpreter'
  | 'not-executable'
  | 'not-a-file'
  | 'unknown-format'
  | 'unreachable'

/** A diagnosed start failure. */
export interface StartProblem {
  kind: StartProblemKind
  /** What is wrong and what to do, naming the file (never its contents beyond the `#!` line). */
  description: string
}

/** How many bytes of the file are read to find its `#!` line. */
const SHEBANG_BYTES = 512

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function firstLine(path: string): Promise<string | undefined> {
  try {
    const file = await open(path, 'r')
    try {
      const buffer = new Uint8Array(SHEBANG_BYTES)
      const { bytesRead } = await file.read(buffer, 0, SHEBANG_BYTES, 0)
      const text = new TextDecoder().decode(buffer.subarray(0, bytesRead))
      const end = text.indexOf('\n')
      return end === -1 ? text : text.slice(0, end)
    } finally {
      await file.close()
    }
  } catch {
    return undefined
  }
}

/** `true`/`false` when known; `undefined` when the agent may not look (Deno without the grant). */
async function exists(path: string): Promise<boolean | undefined> {
  try {
    await stat(path)
    return true
  } catch (error) {
    return errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR' ? false : undefined
  }
}

/**
 * Diagnoses why `path` could not be started from the spawn `error` and the file itself. Returns
 * `undefined` when the failure is not about the file (e.g. an environment value the OS can't
 * hold): such a start would fail the same way however often it is tried.
 *
 * @example
 * const problem = await diagnoseStartFailure('/usr/local/bin/on-start', spawnError)
 * problem?.kind // 'crlf-shebang'
 * problem?.description // '… has Windows (CRLF) line endings: … dos2unix …'
 */
export async function diagnoseStartFailure(
  path: string,
  error: unknown,
): Promise<StartProblem | undefined> {
  const code = errorCode(error)
  const message = errorMessage(error)
  if (code === 'ETXTBSY' || /text file (is )?busy/i.test(message)) {
    return {
      kind: 'busy',
      description: `${path} is open for writing by another process (ETXTBSY: it is still being copied or written)`,
    }
  }
  // Only errors from the OS's exec are about the file; anything else (invalid arguments) isn't.
  if (code === undefined || !/^E[A-Z0-9]+$/.test(code)) return undefined
  let info: Awaited<ReturnType<typeof stat>>
  try {
    info = await stat(path)
  } catch (statError) {
    const statCode = errorCode(statError)
    if (statCode === 'ENOENT' || statCode === 'ENOTDIR') {
      return { kind: 'missing', description: `${path} does not exist (not deployed yet?)` }
    }
    return {
      kind: 'unreachable',
      description: `${path} can't be examined by the agent's user (${statCode ?? errorMessage(statError)})`,
    }
  }
  if (!info.isFile()) {
    return { kind: 'not-a-file', description: `${path} is not a regular file` }
  }
  const line = await firstLine(path)
  const shebang = line?.startsWith('#!') ? line : undefined
  if (shebang?.endsWith('\r')) {
    return {
      kind: 'crlf-shebang',
      description: `${path} has Windows (CRLF) line endings: the kernel looks for the interpreter "${shebang.slice(2).trim()}\\r", which doesn't exist. Convert the file (dos2unix ${path}, or sed -i 's/\\r$//' ${path})`,
    }
  }
  if (code === 'EACCES' || code === 'EPERM') {
    // Mode bits rather than access(X_OK): Deno's access() needs --allow-sys=uid,gid.
    const executable = (info.mode & 0o111) !== 0
    return {
      kind: 'not-executable',
      description: executable
        ? `${path} can't be executed by the agent's user (${code}: no execute permission for this user, a directory on its path without search permission, or a noexec mount)`
        : `${path} is not executable (no execute bit: chmod +x ${path})`,
    }
  }
  if (code === 'ENOEXEC') {
    return {
      kind: 'unknown-format',
      description: `${path} is neither a binary for this machine nor a script starting with #! (ENOEXEC)`,
    }
  }
  if (code === 'ENOENT') {
    const interpreter = shebang?.slice(2).trim().split(/\s+/)[0]
    if (interpreter && (await exists(interpreter)) === false) {
      return {
        kind: 'no-interpreter',
        description: `the interpreter ${interpreter} named on the first line of ${path} does not exist`,
      }
    }
    return {
      kind: 'no-interpreter',
      description: `${path} exists but something it needs to start is missing (${shebang ? `its interpreter ${interpreter}` : 'its program loader or a shared library: a binary built for another system?'})`,
    }
  }
  return {
    kind: 'unreachable',
    description: `${path} could not be started (${code}: ${message})`,
  }
}
