#!/usr/bin/env node
// React (under Ink) picks its development or production build when first loaded: the production
// one is several times faster, so choose it before anything imports React.
process.env.NODE_ENV ??= 'production'
const { main } = await import('./main.ts')

const code = await main(process.argv.slice(2))
process.exitCode = code
// Everything is stopped by now; should a socket linger, don't let it keep the process alive.
setTimeout(() => process.exit(code), 1_000).unref()
