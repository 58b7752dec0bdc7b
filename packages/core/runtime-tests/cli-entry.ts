// Entry for Bun and Deno: runs the smoke suite and prints one JSON document.
import { runSmokeSuite } from './smoke-suite.ts'

const results = await runSmokeSuite()
console.log(`SMOKE_RESULTS ${JSON.stringify(results)}`)
