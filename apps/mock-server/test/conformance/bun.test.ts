import { fileURLToPath } from 'node:url'
import { runtimeBinary, spawnMock } from './spawn.ts'
import { conformanceFlags, describeSpawnedConformance } from './spawned.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))

describeSpawnedConformance('conformance: Bun (Bun.serve over HTTP)', 'bun', () =>
  spawnMock(
    runtimeBinary('bun'),
    ['--max-http-header-size=65536', 'src/bun.ts', ...conformanceFlags()],
    { cwd: root },
  ),
)
