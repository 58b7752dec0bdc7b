// Deno's baseline: Deno.serve answering what the mock answers to the benchmarked GET.
const body = JSON.stringify({ command_name: 'START', command_param: { task_id: 'bench-task' } })
let counter = 0
const server = Deno.serve(
  {
    hostname: '127.0.0.1',
    port: 0,
    onListen: ({ port }) => console.log(`bare-deno listening on http://127.0.0.1:${port}`),
  },
  () => {
    counter++
    return new Response(body, {
      headers: {
        'content-type': 'application/json;charset=UTF-8',
        'x-request-id': counter.toString(16).padStart(32, '0'),
      },
    })
  },
)
Deno.addSignalListener('SIGTERM', async () => {
  await server.shutdown()
  Deno.exit(0)
})
