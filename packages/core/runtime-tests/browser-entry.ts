// Entry for the browser: the smoke suite runs in a page; the test reads `window.smokeResults`.
import { runSmokeSuite } from './smoke-suite.ts'

;(globalThis as { smokeResults?: unknown }).smokeResults = runSmokeSuite()
