import { fileURLToPath } from 'node:url'
import { runtimeBinary, spawnMock } from './spawn.ts'
import { conformanceFlags, describeSpawnedConformance } from './spawned.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

describeSpawnedConformance('conformance: Deno (Deno.serve over HTTP)', 'deno', () =>
  spawnMock(
    runtimeBinary('deno'),
    ['run', '--allow-net', '--allow-read', '--allow-env', 'src/deno.ts', ...conformanceFlags()],
    { cwd: root, env: { DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } },
  ),
)
