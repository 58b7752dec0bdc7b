// Cloudflare Workers entry (wrangler.jsonc): the mock app over Durable Objects. Configure with
// the variables of WorkerEnv (SMS_MOCK_SCENARIO, SMS_MOCK_ADMIN_TOKEN, …).

import { DurableObjectStore } from './adapters/workers/durable-object-store.ts'
import { type WorkerEnv, workerOptions } from './adapters/workers/env.ts'
import { createMockApp, type MockApp } from './app.ts'
import { errorResponse, isLoopbackHost, nextRequestId } from './http.ts'
import { type RuntimeAdapter, resolveSettings } from './options.ts'

export { SmsControlObject } from './adapters/workers/control-object.ts'
export { SmsServerObject } from './adapters/workers/server-object.ts'

/**
 * Workers: a fetch handler can't close its client connection; a failing body stream still
 * gets a status line and headers (workerd answers 200 with an empty body). So drop-connection
 * faults are refused rather than faked.
 */
export const workersRuntime: RuntimeAdapter = {
  name: 'workers',
  dropUnsupported:
    'a Worker cannot close its client connection (workerd still sends a status line and headers when a body stream fails)',
}

let app: MockApp | undefined
let configError: Error | undefined

function appFor(env: WorkerEnv): MockApp {
  if (!app) {
    const options = workerOptions(env)
    const settings = resolveSettings(options)
    app = createMockApp({
      ...options,
      store: new DurableObjectStore(settings, env),
      runtime: workersRuntime,
    })
  }
  return app
}

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: ExecutionContext): Promise<Response> {
    const host = new URL(request.url).hostname
    if (!env.SMS_MOCK_ADMIN_TOKEN && !isLoopbackHost(host)) {
      return errorResponse(
        503,
        'MOCK.0503',
        'SMS_MOCK_ADMIN_TOKEN is not set: the mock serves its admin API (reset, faults, journal) on a non-loopback address only with an admin token',
        nextRequestId(),
      )
    }
    try {
      return await appFor(env).fetch(request, env, ctx)
    } catch (error) {
      configError = error instanceof Error ? error : new Error(String(error))
      return errorResponse(500, 'MOCK.0500', `sms-mock: ${configError.message}`, nextRequestId())
    }
  },
}
