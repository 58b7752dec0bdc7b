#!/usr/bin/env node
// The `prepublishOnly` of every published package: publishing must go through pnpm, which
// resolves `workspace:` and `catalog:` ranges, applies publishConfig (dist-only exports) and the
// caret ranges of .pnpmfile.cjs. `npm publish` from a package folder would ship `catalog:` and
// `workspace:*` verbatim (uninstallable) and the source-condition exports, so it stops here with
// what to run instead. The package manager is the one npm_config_user_agent names
// ("pnpm/10.34.9 npm/? node/v24…" under pnpm, "npm/11… node/…" under npm).
import process from 'node:process'

const userAgent = process.env.npm_config_user_agent ?? ''
const manager = userAgent.split('/')[0] || 'an unknown package manager'
const packageName = process.env.npm_package_name ?? 'this package'

if (manager !== 'pnpm') {
  process.stderr.write(
    `refusing to publish ${packageName} with ${manager}: sms-command packages are published with ` +
      'pnpm, which rewrites workspace: and catalog: ranges and applies publishConfig.\n' +
      'Release from the repository root instead: `pnpm changeset` (describe the change), ' +
      '`pnpm release:version` (bump versions and changelogs), `pnpm release` (build, then ' +
      '`changeset publish`). See CONTRIBUTING.md, "Releasing".\n',
  )
  process.exit(1)
}
