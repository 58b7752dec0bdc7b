import { describe, it } from 'vitest'
import { runtimeAvailable } from './agent-process.ts'
import { runEndToEnd } from './e2e.ts'

describe.runIf(runtimeAvailable('deno'))('end to end on Deno', () => {
  it('of N commands, runs every handler exactly once and records every result exactly once, through faults and SIGKILL restarts', async () => {
    await runEndToEnd('deno')
  }, 150_000)
})
