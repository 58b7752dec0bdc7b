// Reference point: a minimal Hono app on @hono/node-server answering the same JSON (one route,
// no auth, no journal). What the framework alone costs over bare node:http.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const body = JSON.stringify({ command_name: 'START', command_param: { task_id: 'bench-task' } })
let counter = 0
const app = new Hono()
app.get('/v3/sources/:id/command', () => {
  counter++
  return new Response(body, {
    headers: {
      'content-type': 'application/json;charset=UTF-8',
      'x-request-id': counter.toString(16).padStart(32, '0'),
    },
  })
})
serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`hono listening on http://127.0.0.1:${info.port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
