import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

// What a consumer ships when it imports only the token client, bundled as the size script does.
async function bundle(entry: string): Promise<string> {
  const result = await build({
    stdin: { contents: entry, resolveDir: new URL('.', import.meta.url).pathname, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]?.text ?? ''
}

describe('the bundle of createSmsClient + staticToken', () => {
  it('leaves out signing, IAM login, polling, unused schemas and the OpenAPI document', async () => {
    const code = await bundle(
      "import { createSmsClient, staticToken } from './index.ts'; console.log(createSmsClient, staticToken)",
    )
    // Sanity: the client itself is there.
    expect(code).toContain('expected an auth provider such as staticToken(token)')
    // CommandSchema (only `command_name`'s non-empty check is unique to it).
    expect(code).not.toContain('expected a non-empty command name')
    // Signing: the SDK date formatter's errors.
    expect(code).not.toContain('date must be within years')
    // IAM's error-body shape and the IAM login.
    expect(code).not.toContain('IAM refused the user name or password')
    expect(code).not.toContain('auth/tokens')
    // The OpenAPI document and the poll loop.
    expect(code).not.toContain('openapi')
    expect(code).not.toContain('firstPollJitterMs')
  })

  it('keeps a schema an app does import', async () => {
    const code = await bundle(
      "import { CommandSchema } from './index.ts'; console.log(CommandSchema)",
    )
    expect(code).toContain('expected a non-empty command name')
  })
})
