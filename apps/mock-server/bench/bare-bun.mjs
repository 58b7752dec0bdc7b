// Bun's baseline: Bun.serve answering what the mock answers to the benchmarked GET.
const body = JSON.stringify({ command_name: 'START', command_param: { task_id: 'bench-task' } })
let counter = 0
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch() {
    counter++
    return new Response(body, {
      headers: {
        'content-type': 'application/json;charset=UTF-8',
        'x-request-id': counter.toString(16).padStart(32, '0'),
      },
    })
  },
})
process.stdout.write(`bare-bun listening on http://127.0.0.1:${server.port}\n`)
process.on('SIGTERM', () => {
  server.stop(true)
  process.exit(0)
})
