// The slice of the Workers runtime types this example uses, so that it type-checks without
// @cloudflare/workers-types. In your own project, use `wrangler types` or @cloudflare/workers-types.
declare module 'cloudflare:workers' {
  export abstract class DurableObject<Env = unknown> {
    protected ctx: DurableObjectState
    protected env: Env
    constructor(ctx: DurableObjectState, env: Env)
  }
}

interface DurableObjectStorage {
  get<T = unknown>(key: string): Promise<T | undefined>
  put(key: string, value: unknown): Promise<void>
}

interface DurableObjectState {
  storage: DurableObjectStorage
}

interface DurableObjectId {
  toString(): string
}

type Rpc<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : never
}

type DurableObjectStub<T> = Rpc<T>

interface DurableObjectNamespace<T> {
  idFromName(name: string): DurableObjectId
  get(id: DurableObjectId): DurableObjectStub<T>
}

interface ScheduledController {
  readonly scheduledTime: number
  readonly cron: string
}

interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void
}
