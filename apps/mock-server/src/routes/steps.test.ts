import { describe, expect, it } from 'vitest'
import { runSteps, type Steps } from './steps.ts'

function* add(a: unknown, b: unknown): Steps<number> {
  const x = (yield a) as number
  const y = (yield b) as number
  return x + y
}

describe('runSteps', () => {
  it('returns synchronously when every step is a plain value', () => {
    expect(runSteps(add(1, 2))).toBe(3)
  })

  it('continues asynchronously from the first promise', async () => {
    const result = runSteps(add(1, Promise.resolve(2)))
    expect(result).toBeInstanceOf(Promise)
    expect(await result).toBe(3)
  })

  it('waits for any thenable, as a Durable Object stub returns', async () => {
    // biome-ignore lint/suspicious/noThenProperty: a thenable that is not a Promise is the point
    const thenable = { then: (resolve: (value: number) => void) => resolve(5) }
    expect(await runSteps(add(1, thenable))).toBe(6)
  })

  it('throws a rejected step into the generator, where it can be caught', async () => {
    function* guarded(): Steps<string> {
      try {
        yield Promise.reject(new Error('store down'))
        return 'unreachable'
      } catch (error) {
        return `caught ${(error as Error).message}`
      }
    }
    expect(await runSteps(guarded())).toBe('caught store down')
  })

  it('lets an uncaught synchronous error out synchronously', () => {
    function* failing(): Steps<never> {
      yield 1
      throw new TypeError('boom')
    }
    expect(() => runSteps(failing())).toThrow(TypeError)
  })
})
