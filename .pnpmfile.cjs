// What `pnpm pack` and `pnpm publish` (and so `changeset publish`) put in a published manifest.
// By the time this hook runs pnpm has already resolved `catalog:` and `workspace:` to the exact
// versions the workspace pins (the catalog pins exact versions so every package in the repo, and
// the lockfile, agree). A consumer needs ranges instead: an exact pin of hono or valibot would
// install a second copy next to the consumer's own. So every exact version among the runtime
// dependencies, peers and optional dependencies becomes a caret range of that version; the
// workspace itself keeps its exact pins. Tested by tooling/repo-checks (packed manifests).
const EXACT_VERSION = /^\d+\.\d+\.\d+$/
const RANGED_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies']

/** The manifest as published: exact versions among runtime dependencies become `^version`. */
function beforePacking(manifest) {
  for (const field of RANGED_FIELDS) {
    const dependencies = manifest[field]
    if (!dependencies) continue
    for (const [name, version] of Object.entries(dependencies)) {
      if (EXACT_VERSION.test(version)) dependencies[name] = `^${version}`
    }
  }
  return manifest
}

module.exports = { hooks: { beforePacking } }
