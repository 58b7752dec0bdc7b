// Loaded into Windows node.exe under Wine (`NODE_OPTIONS=--import=file:///Z:/…/wine-realpath.mjs`,
// set by scripts/ci/wine-node.mjs). Two things a Linux pnpm install lacks for node.exe:
// - Wine hides Unix symlinks from lstat (and readlink fails), so Node can't resolve a pnpm
//   node_modules, whose packages are symlinks into node_modules/.pnpm. fs.realpathSync.native
//   does see them: every resolved file URL is replaced by its real path, and a package's own
//   dependencies are then found beside it.
// - Native packages have only their Linux build installed: a bare specifier Node can't resolve is
//   looked up again in SMS_WINE_MODULES (win32 builds brought by scripts/ci/wine.sh).
import { realpathSync } from 'node:fs'
import { createRequire, registerHooks } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const fallback = process.env.SMS_WINE_MODULES
const fallbackRequire = fallback ? createRequire(join(fallback, 'index.js')) : undefined

function real(url) {
  if (!url.startsWith('file:')) return url
  try {
    return pathToFileURL(realpathSync.native(fileURLToPath(url))).href
  } catch {
    return url
  }
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    let resolved
    try {
      resolved = nextResolve(specifier, context)
    } catch (error) {
      if (!fallbackRequire || /^[./]|^file:|^node:/.test(specifier)) throw error
      let path
      try {
        path = fallbackRequire.resolve(specifier)
      } catch {
        throw error
      }
      return { url: pathToFileURL(path).href, shortCircuit: true }
    }
    const url = real(resolved.url)
    return url === resolved.url ? resolved : { ...resolved, url }
  },
})
