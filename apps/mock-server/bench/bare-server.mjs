// The baseline: a bare node:http server answering what the mock answers to the benchmarked
// GET (same JSON, content type and a request id header), with no routing, auth or journal.
import { createServer } from 'node:http'

const body = JSON.stringify({ command_name: 'START', command_param: { task_id: 'bench-task' } })
let counter = 0
const server = createServer((_req, res) => {
  counter++
  res.writeHead(200, {
    'content-type': 'application/json;charset=UTF-8',
    'x-request-id': counter.toString(16).padStart(32, '0'),
  })
  res.end(body)
})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`bare listening on http://127.0.0.1:${server.address().port}\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
