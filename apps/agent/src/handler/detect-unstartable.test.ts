import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { diagnoseStartFailure } from './detect-unstartable.ts'

let dir: string

const spawnError = (code: string | undefined, message = `spawn ${code}`) =>
  Object.assign(new Error(message), code ? { code } : {})

async function file(name: string, text: string, mode = 0o755): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, text)
  await chmod(path, mode)
  return path
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'agent-unstartable-'))
})

describe('diagnoseStartFailure', () => {
  it('names CRLF line endings behind an ENOENT, with the interpreter the kernel looked for', async () => {
    const path = await file('crlf.sh', '#!/bin/sh\r\necho hi\r\n')
    const problem = await diagnoseStartFailure(path, spawnError('ENOENT'))
    expect(problem?.kind).toBe('crlf-shebang')
    expect(problem?.description).toContain('Windows (CRLF) line endings')
    expect(problem?.description).toContain('"/bin/sh\\r"')
    expect(problem?.description).toContain(`dos2unix ${path}`)
  })

  it('knows a file being written (ETXTBSY), also as Deno reports it (no code, "Text file busy")', async () => {
    const path = await file('busy.sh', '#!/bin/sh\n')
    expect((await diagnoseStartFailure(path, spawnError('ETXTBSY')))?.kind).toBe('busy')
    const deno = new Error(`Failed to spawn '${path}': Text file busy (os error 26)`)
    const problem = await diagnoseStartFailure(path, deno)
    expect(problem?.kind).toBe('busy')
    expect(problem?.description).toContain('still being copied or written')
  })

  it('tells a missing file, a missing execute bit and a missing interpreter apart', async () => {
    expect((await diagnoseStartFailure(join(dir, 'absent'), spawnError('ENOENT')))?.kind).toBe(
      'missing',
    )
    const plain = await file('plain.sh', '#!/bin/sh\n', 0o644)
    const notExecutable = await diagnoseStartFailure(plain, spawnError('EACCES'))
    expect(notExecutable?.kind).toBe('not-executable')
    expect(notExecutable?.description).toContain(`chmod +x ${plain}`)
    const python = await file('py.sh', '#!/usr/bin/no-such-python3 -u\nprint(1)\n')
    const noInterpreter = await diagnoseStartFailure(python, spawnError('ENOENT'))
    expect(noInterpreter).toEqual({
      kind: 'no-interpreter',
      description: `the interpreter /usr/bin/no-such-python3 named on the first line of ${python} does not exist`,
    })
    expect((await diagnoseStartFailure(dir, spawnError('EACCES')))?.kind).toBe('not-a-file')
  })

  it('returns undefined for failures that are not about the file (an invalid environment value)', async () => {
    const path = await file('fine.sh', '#!/bin/sh\n')
    const invalid = spawnError('ERR_INVALID_ARG_VALUE', 'env contains a NUL byte')
    expect(await diagnoseStartFailure(path, invalid)).toBeUndefined()
    expect(await diagnoseStartFailure(path, new Error('something else'))).toBeUndefined()
  })
})
