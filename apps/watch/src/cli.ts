#!/usr/bin/env node
// React (under Ink) picks its development or production build when first loaded: the production
// one is several times faster, so choose it before anything imports React.
process.env.NODE_ENV ??= 'production'
const { main } = await import('./main.ts')

process.exitCode = await main(process.argv.slice(2))
