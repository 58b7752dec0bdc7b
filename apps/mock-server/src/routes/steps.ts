/**
 * A handler written as a generator that yields what it waits for: a store's answer, which is a
 * plain value from a store in this process and a promise from a remote one (Durable Objects).
 */
export type Steps<T> = Generator<unknown, T | Promise<T>, unknown>

/**
 * Runs `steps` synchronously for as long as they yield plain values, and continues
 * asynchronously from the first promise. So a request served from memory completes without a
 * single promise or microtask (the runtimes' fast path for a Response returned synchronously),
 * while the same handler code still works against remote stores.
 *
 * @example
 * return runSteps(handle(c)) // Response | Promise<Response>
 */
export function runSteps<T>(steps: Steps<T>): T | Promise<T> {
  let step = steps.next()
  while (!step.done) {
    if (isThenable(step.value)) return continueSteps(steps, step.value)
    step = steps.next(step.value)
  }
  return step.value
}

/**
 * Whether a store's answer must be waited for. Not `instanceof Promise`: a Durable Object stub's
 * RPC call returns a thenable of its own.
 *
 * @example
 * const value = isThenable(answer) ? yield answer : answer
 */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  )
}

async function continueSteps<T>(steps: Steps<T>, pending: PromiseLike<unknown>): Promise<T> {
  let step: IteratorResult<unknown, T | Promise<T>>
  try {
    step = steps.next(await pending)
  } catch (error) {
    step = steps.throw(error)
  }
  while (!step.done) {
    const value = step.value
    if (isThenable(value)) {
      try {
        step = steps.next(await value)
      } catch (error) {
        step = steps.throw(error)
      }
    } else {
      step = steps.next(value)
    }
  }
  return step.value
}
