#!/usr/bin/env node
// The `sms-mock` command on Node: cli-kit's runner over the mock's table (src/runtime-cli.ts),
// serving through node:http; prints where it listens and stops cleanly on SIGINT/SIGTERM.
import { processIo, runCli } from '@sms-command/cli-kit'
import { startNodeServer } from './node-server.ts'
import { mockCli } from './runtime-cli.ts'

await runCli(
  mockCli((options) => startNodeServer(options)),
  processIo(),
)
