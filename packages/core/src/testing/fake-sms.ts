/**
 * A small in-process SMS for tests (core's, the agent's, and yours), following docs/api.md §2: each server has a queue; its head is
 * the current command, returned by every GET until a result naming it is reported, which pops it.
 * A report naming another command gets 400 SMS.2009. Faults are queued per route.
 */

/** A command as the fake SMS holds and serves it. */
export interface WireCommand {
  /** `START`, `STOP`, … or any other name. */
  command_name: string
  /** Its parameters. */
  command_param: { task_id?: string; bucket?: string }
}

/** A result the fake SMS recorded (it matched the current command, which it then dropped). */
export interface RecordedResult {
  /** The server it was reported for. */
  serverId: string
  /** The command it answered. */
  command: WireCommand
  /** `success` or `fail`. */
  result: string
  /** As reported. */
  result_detail: Record<string, unknown>
}

/** What to do to the next matching request instead of (or besides) answering it. */
export type Fault =
  /** Answer with this status (and `Retry-After`, error code). */
  | { kind: 'status'; status: number; retryAfter?: string; errorCode?: string }
  /** The connection fails before the server sees the request. */
  | { kind: 'network' }
  /** The server carries the request out, then the answer is lost. */
  | { kind: 'lose-answer' }
  /** No answer until the client gives up (its deadline aborts the request). */
  | { kind: 'hang' }
  /** A 200 whose body is cut-off JSON. */
  | { kind: 'malformed' }

/** The two routes of the command channel. */
export type Route = 'command' | 'command_result'

/** The fake SMS: its `fetch`, and what a test does to it and reads from it. */
export interface FakeSms {
  /** Answers the command channel's two routes (any origin). */
  fetch: typeof fetch
  /** Registers `serverId` (if new) and queues `commands` behind its current one. */
  enqueue(serverId: string, ...commands: WireCommand[]): void
  /** Drops the current command without a result (an operator cancelled it). */
  cancelCurrent(serverId: string): void
  /** The command SMS would answer now. */
  current(serverId: string): WireCommand | undefined
  /** Applies `fault` to the next `times` (default 1) requests of `route`. */
  fault(route: Route, fault: Fault, times?: number): void
  /** Every result recorded, in order. */
  readonly results: RecordedResult[]
  /** Every request and how it was answered. */
  readonly requests: { method: string; route: Route; status: number | 'network' | 'hang' }[]
  /** Headers of every request, to check credentials. */
  readonly headers: Headers[]
}

/**
 * An SMS in memory, as docs/api.md §2 describes it: one queue per server, its head returned by
 * every GET until a result naming it is reported. Pass its `fetch` to `createSmsClient`.
 *
 * @example
 * const sms = createFakeSms()
 * sms.enqueue('srv-1', { command_name: 'START', command_param: { task_id: 't1' } })
 * sms.fault('command_result', { kind: 'lose-answer' }) // recorded, but the answer is lost
 * const client = createSmsClient({ endpoint: 'https://sms.example.test', auth: staticToken('t'), fetch: sms.fetch })
 */
export function createFakeSms(): FakeSms {
  const queues = new Map<string, WireCommand[]>()
  const faults: { route: Route; fault: Fault }[] = []
  const results: RecordedResult[] = []
  const requests: FakeSms['requests'] = []
  const headers: Headers[] = []

  const json = (status: number, body: unknown, extra: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...extra },
    })

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url)
    const match = /^\/v3\/sources\/([^/]+)\/(command|command_result)$/.exec(url.pathname)
    if (!match) return json(404, { error_code: 'APIGW.0101', error_msg: 'no route' })
    const serverId = decodeURIComponent(match[1] as string)
    const route = match[2] as Route
    headers.push(request.headers)
    const index = faults.findIndex((entry) => entry.route === route)
    const fault = index >= 0 ? faults.splice(index, 1)[0]?.fault : undefined
    const log = (status: number | 'network' | 'hang') =>
      requests.push({ method: request.method, route, status })

    if (fault?.kind === 'network') {
      log('network')
      throw new TypeError('fetch failed: connection reset (injected)')
    }
    if (fault?.kind === 'hang') {
      log('hang')
      return new Promise<Response>((_, reject) => {
        request.signal.addEventListener('abort', () => reject(request.signal.reason), {
          once: true,
        })
      })
    }
    if (fault?.kind === 'status') {
      log(fault.status)
      return json(
        fault.status,
        { error_code: fault.errorCode ?? 'SMS.9999', error_msg: 'injected' },
        fault.retryAfter ? { 'Retry-After': fault.retryAfter } : {},
      )
    }
    if (fault?.kind === 'malformed') {
      log(200)
      return new Response('{"command_name": "STA', { status: 200 })
    }

    const queue = queues.get(serverId)
    if (!queue) {
      log(404)
      return json(404, { error_code: 'SMS.1011', error_msg: 'server not found' })
    }
    let response: Response
    if (route === 'command') {
      const head = queue[0]
      response = json(200, head ?? { command_name: '', command_param: {} })
    } else {
      const body = (await request.json()) as {
        command_name: string
        result: string
        result_detail: Record<string, unknown>
      }
      const head = queue[0]
      if (!head || head.command_name !== body.command_name) {
        response = json(400, {
          error_code: 'SMS.2009',
          error_msg: 'The command sent by the client is inconsistent with that on the SMS service',
        })
      } else {
        queue.shift()
        results.push({
          serverId,
          command: head,
          result: body.result,
          result_detail: body.result_detail,
        })
        response = new Response('"OK"', { status: 200 })
      }
    }
    if (fault?.kind === 'lose-answer') {
      log('network')
      throw new TypeError('fetch failed: connection reset after the request was handled')
    }
    log(response.status)
    return response
  }

  return {
    fetch: async (input, init) => {
      const request = new Request(input, init)
      return handle(request)
    },
    enqueue(serverId, ...commands) {
      const queue = queues.get(serverId) ?? []
      queue.push(...commands)
      queues.set(serverId, queue)
    },
    cancelCurrent(serverId) {
      queues.get(serverId)?.shift()
    },
    current: (serverId) => queues.get(serverId)?.[0],
    fault(route, fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push({ route, fault })
    },
    results,
    requests,
    headers,
  }
}
