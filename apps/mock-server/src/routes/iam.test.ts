import { describe, expect, it } from 'vitest'
import { createMockApp } from '../app.ts'

describe('IAM password token body', () => {
  it("names a part that is not an object in the house style, never valibot's default text", async () => {
    const app = createMockApp({ scenario: { users: [{ name: 'ops', password: 'pw' }] }, seed: 1 })
    const cases: [unknown, string][] = [
      [{ auth: null }, 'auth: expected a JSON object'],
      [{ auth: { identity: 7 } }, 'auth.identity: expected a JSON object'],
      [
        { auth: { identity: { methods: ['password'], password: 'x' } } },
        'auth.identity.password: expected a JSON object',
      ],
      [
        { auth: { identity: { methods: ['password'], password: { user: true } } } },
        'auth.identity.password.user: expected a JSON object',
      ],
    ]
    for (const [body, message] of cases) {
      const res = await app.request('/v3/auth/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      expect(res.status, JSON.stringify(body)).toBe(400)
      const answer = (await res.json()) as { error: { message: string } }
      expect(answer.error.message).toBe(message)
      expect(answer.error.message).not.toMatch(/Invalid type|but received/)
    }
  })
})
