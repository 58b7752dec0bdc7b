/** One answer of the fake API: a Response, a function making one, or an error to throw. */
export type FakeAnswer = Response | ((request: Request) => Response | Promise<Response>) | Error

export interface RecordedRequest {
  method: string
  url: string
  path: string
  headers: Record<string, string>
  body: string
}

/**
 * An in-memory `fetch` that answers from a script, in order, and records every request. When the
 * script runs out, `fallback` answers.
 */
export function fakeFetch(script: FakeAnswer[] = [], fallback: FakeAnswer = () => json({})) {
  const requests: RecordedRequest[] = []
  const queue = [...script]
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init)
    const body = request.body ? await request.text() : ''
    requests.push({
      method: request.method,
      url: request.url,
      path: new URL(request.url).pathname,
      headers: Object.fromEntries(request.headers),
      body,
    })
    const answer = queue.length > 0 ? queue.shift() : fallback
    if (answer instanceof Error) throw answer
    if (typeof answer === 'function') return answer(request)
    return (answer ?? json({})).clone()
  }
  return { fetch: fetch as typeof globalThis.fetch, requests }
}

/** A JSON response. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  })
}

/** An SMS error response. */
export function smsError(
  status: number,
  code: string,
  message = 'error',
  headers: Record<string, string> = {},
) {
  return json({ error_code: code, error_msg: message }, status, headers)
}

export const START = {
  command_name: 'START',
  command_param: { task_id: '2c0689c860ad4728a497c91ec0844384' },
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
