#!/usr/bin/env node
/**
 * `sms-agent`: the same file runs on Node (built to dist/cli.js), Bun (`bun src/cli.ts`) and Deno
 * (`deno run … src/cli.ts`). cli-kit's runner prints the error line and exits with the code.
 *
 * @module
 */
import { main } from './main.ts'
import { currentPlatform } from './platform/platform.ts'

await main({ platform: currentPlatform() })
