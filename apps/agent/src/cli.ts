#!/usr/bin/env node
/**
 * `sms-agent`: the same file runs on Node (built to dist/cli.js), Bun (`bun src/cli.ts`) and Deno
 * (`deno run … src/cli.ts`).
 *
 * @module
 */
import { configErrorLine, isConfigError } from '@sms-command/cli-kit'
import { main } from './main.ts'
import { currentPlatform } from './platform/platform.ts'

const platform = currentPlatform()
main({ platform }).then(
  (code) => platform.exit(code),
  (error: unknown) => {
    // A setting found unusable after loading (a proxy variable, say) is still the user's to fix.
    if (isConfigError(error)) {
      platform.stderr(configErrorLine('sms-agent', error))
      platform.exit(error.exitCode)
    }
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    platform.stderr(`sms-agent: internal error: ${message}\n`)
    platform.exit(1)
  },
)
