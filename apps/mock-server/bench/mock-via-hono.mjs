// The mock with Hono's own middleware on its SMS hot path: every request goes through a Hono
// app (router, Context, `requestId()` and `bodyLimit()`) before the mock answers it, as the SMS
// routes would if they used Hono's middleware instead of the mock's own (`nextRequestId`,
// `readBodyLimited`, the direct lane of app.ts). What that costs is what `bench --with-hono`
// compares with the mock as it is, in the same run.
import { readFileSync } from 'node:fs'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import { createMockApp } from '../dist/index.js'
import { nodeRuntime } from '../dist/node-server.js'

const scenario = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const mock = createMockApp({ runtime: nodeRuntime, scenario })
const front = new Hono()
front.use(requestId())
front.use(bodyLimit({ maxSize: 10_240 }))
front.all('*', (c) => mock.fetch(c.req.raw, c.env))
serve({ fetch: front.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`mock via hono listening on http://127.0.0.1:${info.port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
