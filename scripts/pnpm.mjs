#!/usr/bin/env node
// Runs pnpm at the version pinned in package.json's `packageManager`, so the quick-start
// commands work on a machine that has only Node.js and npm (Corepack can't be relied on).
// Installs dependencies first when node_modules is missing or older than the lockfile; the
// install's progress goes to stderr, so `npm run -s demo -- --json` leaves only the summary on
// stdout (npm's `-s` reaches us as npm_config_loglevel=silent and silences pnpm's banner too).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const pnpm = ['-y', packageManager]
const env = {
  ...process.env,
  TURBO_TELEMETRY_DISABLED: '1',
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  COREPACK_ENABLE_STRICT: '0',
}

const silent = process.env.npm_config_loglevel === 'silent'

function run(args, stdio = 'inherit') {
  const result = spawnSync('npx', [...pnpm, ...args], { cwd: root, stdio, env })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

const marker = join(root, 'node_modules', '.modules.yaml')
const lockfile = join(root, 'pnpm-lock.yaml')
const installed =
  existsSync(marker) &&
  (!existsSync(lockfile) || statSync(marker).mtimeMs >= statSync(lockfile).mtimeMs)
if (!installed) run(['install', '--frozen-lockfile'], ['inherit', 2, 'inherit'])
run(silent ? ['--silent', ...process.argv.slice(2)] : process.argv.slice(2))
