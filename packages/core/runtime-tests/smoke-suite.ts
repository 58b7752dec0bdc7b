/**
 * A runtime-portable smoke suite: core against an in-process SMS and IAM (plain `fetch`
 * handlers), using Web APIs only, so the very same cases run on Node, Bun, Deno and workerd.
 * Each case throws on failure.
 */

import { parseAgentEvent, parseMockEvent } from '../src/events/index.ts'
import {
  akSk,
  createSmsClient,
  iamPasswordToken,
  isKnownCommand,
  isSmsApiError,
  isSmsInputError,
  openApiDocument,
  type PollEvent,
  pollCommands,
  type SmsCommand,
  staticToken,
  systemScheduler,
} from '../src/index.ts'
import { formatSdkDate, signRequest, verifySignature } from '../src/signing/index.ts'
import { followEventStream, type SseMessage } from '../src/sse/index.ts'
import { createVirtualScheduler } from '../src/testing/index.ts'
import { deliverySmokeCases } from './delivery-smoke.ts'

export interface SmokeCase {
  name: string
  run: () => Promise<void>
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`)
}

function equal(actual: unknown, expected: unknown, message: string): void {
  const a = JSON.stringify(actual)
  const e = JSON.stringify(expected)
  if (a !== e) throw new Error(`${message}: expected ${e}, got ${a}`)
}

/**
 * Runs `promise` to the end while the virtual clock moves on in steps of `stepMs`. Not
 * `runNext()`: in Chromium a request's deadline may still be sleeping while the body is read, and
 * `runNext()` would jump to it, or wait for a sleeper that never comes once the promise is done.
 */
async function drive<T>(
  scheduler: ReturnType<typeof createVirtualScheduler>,
  promise: Promise<T>,
  stepMs = 250,
): Promise<T> {
  let settled = false
  const tracked = promise.finally(() => {
    settled = true
  })
  tracked.catch(() => {})
  for (let turn = 0; !settled && turn < 400; turn++) await scheduler.advance(stepMs)
  return tracked
}

const SK = 'smoke-secret-key'
const TOKEN = 'smoke-token'

/** A tiny SMS: one queue per server, ack delivery, token or AK/SK auth, scripted failures. */
function inProcessSms(
  options: {
    failures?: number[]
    acceptToken?: () => string
    /** Every answer is this 429 with this Retry-After (a throttling gateway). */
    throttle?: (now: number) => string
    /** The server's clock minus the real one, in ms: AK/SK dates are checked against it. */
    clockSkewMs?: number
  } = {},
) {
  const queues = new Map<string, SmsCommand[]>([['srv-1', []]])
  const results: unknown[] = []
  const failures = [...(options.failures ?? [])]
  let requests = 0
  const error = (status: number, code: string, message: string) =>
    new Response(JSON.stringify({ error_code: code, error_msg: message }), { status })
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    requests++
    const failure = failures.shift()
    if (failure) return error(failure, 'SMS.2007', 'injected')
    if (options.throttle) {
      return new Response(
        JSON.stringify({ error_code: 'APIGW.0308', error_msg: 'policy user over ratelimit' }),
        { status: 429, headers: { 'Retry-After': options.throttle(Date.now()) } },
      )
    }
    const body = request.method === 'POST' ? await request.text() : ''
    const serverNow = new Date(Date.now() + (options.clockSkewMs ?? 0))
    if (request.headers.has('Authorization')) {
      const verdict = await verifySignature(
        {
          method: request.method,
          url: request.url,
          headers: { ...Object.fromEntries(request.headers), host: new URL(request.url).host },
          body,
        },
        (ak) => (ak === 'AK' ? SK : undefined),
        { now: serverNow },
      )
      if (verdict.ok === false && verdict.reason === 'clock-skew') {
        // The gateway's own words (docs/api.md §7), with its clock in the Date header.
        return new Response(
          JSON.stringify({
            error_code: 'APIGW.0301',
            error_msg: `Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:${request.headers.get('X-Sdk-Date')},server time:${formatSdkDate(serverNow)}`,
          }),
          { status: 401, headers: { Date: serverNow.toUTCString() } },
        )
      }
      if (!verdict.ok) return error(401, 'APIGW.0301', verdict.message)
    } else if (request.headers.get('X-Auth-Token') !== (options.acceptToken?.() ?? TOKEN)) {
      return error(401, 'APIGW.0301', 'bad token')
    }
    const match = /^\/v3\/sources\/([^/]+)\/(command|command_result)$/.exec(
      new URL(request.url).pathname,
    )
    const queue = match ? queues.get(decodeURIComponent(match[1] ?? '')) : undefined
    if (!match || !queue) return error(404, 'SMS.0404', 'not found')
    if (match[2] === 'command') {
      return new Response(JSON.stringify(queue[0] ?? { command_name: '', command_param: {} }))
    }
    const result = JSON.parse(body) as { command_name: string }
    if (queue[0]?.command_name !== result.command_name)
      return error(400, 'SMS.2009', 'inconsistent')
    queue.shift()
    results.push(result)
    return new Response('"OK"')
  }
  return { fetch: fetch as typeof globalThis.fetch, queues, results, requests: () => requests }
}

function inProcessIam(tokens: string[]) {
  let issued = 0
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const body = (await request.json()) as {
      auth: { identity: { password: { user: { password: string } } } }
    }
    if (body.auth.identity.password.user.password !== 'pw')
      return new Response('{"error":{"code":401,"message":"wrong"}}', { status: 401 })
    const token = tokens[Math.min(issued++, tokens.length - 1)] ?? ''
    return new Response(JSON.stringify({ token: { expires_at: '2099-01-01T00:00:00Z' } }), {
      status: 201,
      headers: { 'X-Subject-Token': token },
    })
  }
  return { fetch: fetch as typeof globalThis.fetch, issued: () => issued }
}

export const smokeCases: SmokeCase[] = [
  {
    name: 'getCommand returns the pending command, then null once reported',
    async run() {
      const sms = inProcessSms()
      sms.queues.get('srv-1')?.push({ command_name: 'START', command_param: { task_id: 't1' } })
      const client = createSmsClient({
        endpoint: 'http://sms.local',
        auth: staticToken(TOKEN),
        fetch: sms.fetch,
      })
      const command = await client.getCommand('srv-1')
      equal(command, { command_name: 'START', command_param: { task_id: 't1' } }, 'command')
      assert(command && isKnownCommand(command.command_name), 'START is known')
      const receipt = await client.reportResult('srv-1', {
        command_name: 'START',
        result: 'success',
        result_detail: { ok: true },
      })
      equal(receipt.status, 200, 'report status')
      equal(await client.getCommand('srv-1'), null, 'idle after report')
      equal(sms.results.length, 1, 'one result recorded')
    },
  },
  {
    name: 'errors are typed: 404 is an SmsApiError, a bad server id an SmsInputError',
    async run() {
      const sms = inProcessSms()
      const client = createSmsClient({
        endpoint: 'http://sms.local',
        auth: staticToken(TOKEN),
        fetch: sms.fetch,
      })
      let caught: unknown
      try {
        await client.getCommand('nope')
      } catch (error) {
        caught = error
      }
      assert(
        isSmsApiError(caught) && caught.status === 404 && caught.errorCode === 'SMS.0404',
        '404 api error',
      )
      try {
        await client.getCommand('')
      } catch (error) {
        caught = error
      }
      assert(isSmsInputError(caught) && caught.field === 'serverId', 'input error')
      equal(sms.requests(), 1, 'no request for the bad id')
    },
  },
  {
    name: 'retries 503 with backoff on a virtual clock',
    async run() {
      const sms = inProcessSms({ failures: [503, 503] })
      const scheduler = createVirtualScheduler()
      const client = createSmsClient({
        endpoint: 'http://sms.local',
        auth: staticToken(TOKEN),
        fetch: sms.fetch,
        scheduler,
        random: () => 0.5,
      })
      equal(await drive(scheduler, client.getCommand('srv-1')), null, 'idle after retries')
      equal(scheduler.sleeps, [250, 500], 'backoff delays')
      equal(sms.requests(), 3, 'three attempts')
    },
  },
  {
    name: 'iamPasswordToken fetches a token and refreshes it once after a 401',
    async run() {
      const iam = inProcessIam(['tok-a', 'tok-b'])
      let accepted = 'tok-a'
      const sms = inProcessSms({ acceptToken: () => accepted })
      const auth = iamPasswordToken({
        iamEndpoint: 'http://iam.local',
        user: 'u',
        password: 'pw',
        domain: 'd',
        fetch: iam.fetch,
      })
      const client = createSmsClient({ endpoint: 'http://sms.local', auth, fetch: sms.fetch })
      equal(await client.getCommand('srv-1'), null, 'first call')
      accepted = 'tok-b'
      equal(await client.getCommand('srv-1'), null, 'after revocation')
      equal(iam.issued(), 2, 'two tokens issued')
    },
  },
  {
    name: 'akSk signs requests the in-process server verifies',
    async run() {
      const sms = inProcessSms()
      sms.queues.get('srv-1')?.push({ command_name: 'SYNC', command_param: {} })
      const client = createSmsClient({
        endpoint: 'http://sms.local',
        auth: akSk({ ak: 'AK', sk: SK, domainId: 'd1' }),
        fetch: sms.fetch,
      })
      equal((await client.getCommand('srv-1'))?.command_name, 'SYNC', 'signed get')
      await client.reportResult('srv-1', {
        command_name: 'SYNC',
        result: 'fail',
        result_detail: { reason: 'x' },
      })
      equal(sms.results.length, 1, 'signed post recorded')
    },
  },
  {
    name: 'signRequest matches docs/api.md test vector 2',
    async run() {
      const headers = await signRequest(
        {
          method: 'GET',
          url: 'https://example.huaweicloud.com/path?limit=1',
          headers: {},
          body: '',
        },
        { ak: 'AccessKey', sk: 'SecretKey' },
        new Date(Date.UTC(2006, 0, 2, 15, 4, 5)),
        // The vector signs only x-sdk-date; host is signed by default.
        { signHost: false },
      )
      equal(
        headers.Authorization,
        'SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624',
        'authorization',
      )
    },
  },
  {
    name: 'pollCommands yields command, then idle, on a virtual clock, and stops on abort',
    async run() {
      const sms = inProcessSms()
      sms.queues.get('srv-1')?.push({ command_name: 'STOP', command_param: {} })
      const scheduler = createVirtualScheduler()
      const controller = new AbortController()
      const client = createSmsClient({
        endpoint: 'http://sms.local',
        auth: staticToken(TOKEN),
        fetch: sms.fetch,
        scheduler,
      })
      const poller = pollCommands(client, 'srv-1', {
        scheduler,
        signal: controller.signal,
        firstPollJitterMs: 0,
        intervalMs: 1000,
      })
      const first = await poller.next()
      assert(!first.done && first.value.type === 'command', 'command first')
      await client.reportResult('srv-1', {
        command_name: 'STOP',
        result: 'success',
        result_detail: {},
      })
      const idle = await drive(scheduler, poller.next())
      assert(!idle.done && idle.value.type === 'idle', 'idle second')
      const third = poller.next()
      controller.abort()
      assert((await third).done === true, 'ended on abort')
    },
  },
  {
    name: 'a 30-day Retry-After (seconds, then a far-future date) keeps pollCommands at one poll per 5 min',
    async run() {
      for (const throttle of [
        () => '2592000',
        (now: number) => new Date(now + 90 * 86_400_000).toUTCString(),
      ]) {
        const sms = inProcessSms({ throttle })
        const scheduler = createVirtualScheduler()
        const controller = new AbortController()
        const client = createSmsClient({
          endpoint: 'http://sms.local',
          auth: staticToken(TOKEN),
          fetch: sms.fetch,
          scheduler,
        })
        const poller = pollCommands(client, 'srv-1', {
          scheduler,
          signal: controller.signal,
          firstPollJitterMs: 0,
        })
        const events: PollEvent[] = []
        const consuming = (async () => {
          for await (const event of poller) events.push(event)
        })()
        for (let turn = 0; events.length < 6 && turn < 200; turn++) await scheduler.runNext()
        controller.abort()
        await scheduler.advance(0)
        await consuming
        // One request per event, and perhaps one more in flight when the loop was stopped.
        const extra = sms.requests() - events.length
        assert(
          extra === 0 || extra === 1,
          `one request per event, got ${sms.requests()} for ${events.length}`,
        )
        for (const [index, event] of events.entries()) {
          assert(event.type === 'error', 'an error event')
          equal(event.nextDelayMs, 300_000, 'the wait is the 5-minute ceiling')
          assert((event.retryAfterClampedFromMs ?? 0) >= 2_592_000_000, 'the event shows the clamp')
          const gap = index === 0 ? 300_000 : event.at - (events[index - 1]?.at ?? 0)
          // Five minutes apart: neither a timer overflow (1 ms) nor days of silence.
          assert(gap >= 300_000 && gap <= 360_000, `polls 5 min apart, got ${gap} ms`)
        }
      }
    },
  },
  {
    name: 'systemScheduler.sleep past the 32-bit timer limit does not fire early',
    async run() {
      const controller = new AbortController()
      let outcome = 'pending'
      const sleeping = systemScheduler.sleep(2 ** 31 + 1000, controller.signal).then(
        () => {
          outcome = 'woke'
        },
        () => {
          outcome = 'aborted'
        },
      )
      // A raw setTimeout would fire after ~1 ms here.
      await new Promise((resolve) => setTimeout(resolve, 50))
      controller.abort(new Error('done waiting'))
      await sleeping
      equal(outcome, 'aborted', 'still sleeping after 50 ms')
    },
  },
  {
    name: 'akSk re-signs once with the server time when the server clock is 2 h behind or 20 min ahead',
    async run() {
      for (const skew of [-2 * 3_600_000, 20 * 60_000]) {
        const sms = inProcessSms({ clockSkewMs: skew })
        const client = createSmsClient({
          endpoint: 'http://sms.local',
          auth: akSk({ ak: 'AK', sk: SK }),
          fetch: sms.fetch,
        })
        equal(await client.getCommand('srv-1'), null, 'answered after a re-sign')
        equal(sms.requests(), 2, 'one refused, one accepted')
        assert(Math.abs((client.clockOffsetMs ?? 0) - skew) < 3000, `offset near ${skew} ms`)
        equal(await client.getCommand('srv-1'), null, 'next call')
        equal(sms.requests(), 3, 'the next call is signed right at once')
      }
    },
  },
  {
    name: 'followEventStream reads split CRLF and a BOM, resumes with Last-Event-ID; events parse',
    async run() {
      const scheduler = createVirtualScheduler()
      const controller = new AbortController()
      const seen: SseMessage[] = []
      const lastIds: (string | null)[] = []
      const agentLine = JSON.stringify({
        time: '2026-01-01T00:00:00.000Z',
        level: 'debug',
        event: 'poll.idle',
        latency_ms: 3,
      })
      const fetch = async (_input: RequestInfo | URL, init?: RequestInit) => {
        lastIds.push(new Headers(init?.headers).get('Last-Event-ID'))
        if (lastIds.length > 1) controller.abort()
        const chunks = [
          new Uint8Array([0xef, 0xbb, 0xbf]),
          `id: 5\r`,
          `\ndata: ${agentLine}\r\n\r\n`,
        ]
        const body = new ReadableStream<Uint8Array>({
          start(stream) {
            for (const chunk of chunks) {
              stream.enqueue(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk)
            }
            stream.close()
          },
        })
        return new Response(body, { headers: { 'Content-Type': 'text/event-stream' } })
      }
      const done = followEventStream({
        url: 'http://agent.test/events',
        onMessage: (message) => seen.push(message),
        onStatus: () => {},
        signal: controller.signal,
        fetch,
        scheduler,
        random: () => 0.5,
      })
      while (!controller.signal.aborted) await scheduler.runNext()
      await done
      equal(
        seen.map((message) => [message.data.length, message.id]),
        [[agentLine.length, '5']],
        'one event, with its id',
      )
      equal(lastIds, [null, '5'], 'Last-Event-ID on reconnection')
      const parsed = parseAgentEvent(seen[0]?.data)
      assert(parsed.success && parsed.event.event === 'poll.idle', 'agent event parses')
      const mock = parseMockEvent({ seq: 1, at: 'x', type: 'reset', extra: true })
      assert(mock.success, 'mock event parses')
      const bad = parseMockEvent({ seq: 1, at: 'x', type: 'result', serverId: 's' })
      assert(!bad.success && bad.error.field === 'command', 'a reshaped event names its field')
    },
  },
  {
    name: 'openApiDocument describes both endpoints',
    async run() {
      const paths = Object.keys(openApiDocument.paths)
      equal(
        paths,
        ['/v3/sources/{server_id}/command', '/v3/sources/{server_id}/command_result'],
        'paths',
      )
    },
  },
  ...deliverySmokeCases,
]

/** Runs every case and returns one record per case. */
export async function runSmokeSuite(): Promise<{ name: string; ok: boolean; error?: string }[]> {
  const results: { name: string; ok: boolean; error?: string }[] = []
  for (const smoke of smokeCases) {
    try {
      await smoke.run()
      results.push({ name: smoke.name, ok: true })
    } catch (error) {
      results.push({
        name: smoke.name,
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      })
    }
  }
  return results
}
