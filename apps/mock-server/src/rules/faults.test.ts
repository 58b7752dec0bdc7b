import * as v from 'valibot'
import { describe, expect, it } from 'vitest'
import {
  createFault,
  deriveSeed,
  drawFaults,
  drawFaultsExhausting,
  emptySelection,
  type FaultSpec,
  FaultSpecSchema,
  removeFault,
  removeScopedFaults,
} from './faults.ts'

const make = (specs: FaultSpec[], seed = 1) =>
  specs.map((spec, index) => createFault(spec, `f${index + 1}`, deriveSeed(seed, index + 1), 0))
const request = { serverId: 's1', route: 'command' as const }

describe('drawFaults', () => {
  it('fires a route "any" fault on every route the mock serves, /openapi.json included, never on an unknown path', () => {
    const routes = ['command', 'command_result', 'sources', 'iam', 'openapi'] as const
    for (const route of routes) {
      const faults = make([{ kind: 'status', status: 500, route: 'any' }])
      expect(
        drawFaults(faults, { serverId: undefined, route }, emptySelection()).status?.status,
        route,
      ).toBe(500)
    }
    const faults = make([{ kind: 'status', status: 500, route: 'any' }])
    expect(
      drawFaults(faults, { serverId: undefined, route: 'other' }, emptySelection()).hits,
    ).toEqual([])
  })

  it('fires each other route value on its own routes only', () => {
    const covers = {
      sms: ['command', 'command_result'],
      command: ['command'],
      command_result: ['command_result'],
      sources: ['sources'],
      iam: ['iam'],
    } as const
    const all = ['command', 'command_result', 'sources', 'iam', 'openapi', 'other'] as const
    for (const [value, routes] of Object.entries(covers)) {
      for (const route of all) {
        const faults = make([{ kind: 'latency', ms: 1, route: value as FaultSpec['route'] }])
        const fired = drawFaults(faults, { serverId: undefined, route }, emptySelection()).hits
        expect(fired.length, `${value} on ${route}`).toBe(
          (routes as readonly string[]).includes(route) ? 1 : 0,
        )
      }
    }
  })

  it('fires a counted fault N times, then removes it', () => {
    const faults = make([{ kind: 'status', status: 503, count: 2 }])
    expect(drawFaults(faults, request, emptySelection()).status?.status).toBe(503)
    expect(drawFaults(faults, request, emptySelection()).status?.retryAfterSeconds).toBe(1)
    expect(faults).toHaveLength(0)
    expect(drawFaults(faults, request, emptySelection()).hits).toHaveLength(0)
  })

  it('adds latencies, lets the first terminal fault win and leaves later ones unconsumed', () => {
    const faults = make([
      { kind: 'latency', ms: 10 },
      { kind: 'status', status: 500, count: 1 },
      { kind: 'latency', ms: 5 },
      { kind: 'status', status: 429, count: 1 },
      { kind: 'malformed-json', count: 1 },
    ])
    const selection = drawFaults(faults, request, emptySelection())
    expect(selection.latencyMs).toBe(15)
    expect(selection.status?.status).toBe(500)
    expect(selection.response).toBeUndefined()
    expect(faults.map((f) => f.spec.kind)).toEqual([
      'latency',
      'latency',
      'status',
      'malformed-json',
    ])
  })

  it('lets the first decisive fault win, leaving later ones of any kind for the next request', () => {
    const faults = make([
      { kind: 'malformed-json', count: 1 },
      { kind: 'status', status: 503, count: 1 },
      { kind: 'drop-connection', when: 'before', count: 1 },
      { kind: 'truncated-body', count: 1 },
    ])
    const first = drawFaults(faults, request, emptySelection())
    expect(first.response?.kind).toBe('malformed-json')
    expect(first.status).toBeUndefined()
    expect(first.dropBefore).toBeUndefined()
    expect(first.hits.map((h) => h.id)).toEqual(['f1'])
    expect(faults.map((f) => f.spec.id)).toEqual(['f2', 'f3', 'f4'])
    // Across lists too (global faults, then the server's), with one selection.
    const global = make([{ kind: 'drop-connection', when: 'after', count: 1 }])
    const selection = drawFaults(global, request, emptySelection())
    drawFaults(faults, request, selection)
    expect(selection.hits.map((h) => h.kind)).toEqual(['drop-connection'])
    expect(faults).toHaveLength(3)
    expect(drawFaults(faults, request, emptySelection()).status?.status).toBe(503)
  })

  it('matches scope and route', () => {
    const faults = make([
      { kind: 'status', status: 500, server: 'other' },
      { kind: 'status', status: 501, route: 'command_result' },
      { kind: 'status', status: 502, route: 'iam' },
    ])
    expect(drawFaults(faults, request, emptySelection()).hits).toHaveLength(0)
    expect(
      drawFaults(faults, { serverId: undefined, route: 'iam' }, emptySelection()).status?.status,
    ).toBe(502)
    expect(
      drawFaults(faults, { serverId: 's1', route: 'command_result' }, emptySelection()).status
        ?.status,
    ).toBe(501)
  })

  it('replays probabilistic firings and latency draws from the same seed', () => {
    const run = () => {
      const faults = make([
        { kind: 'status', status: 500, probability: 0.3, seed: 42 },
        { kind: 'latency', minMs: 0, maxMs: 1000, probability: 0.5, seed: 43 },
      ])
      return Array.from({ length: 50 }, () => {
        const s = drawFaults(faults, request, emptySelection())
        return `${s.status?.status ?? '-'}:${s.latencyMs}`
      })
    }
    const first = run()
    expect(run()).toEqual(first)
    const fired = first.filter((x) => x.startsWith('500')).length
    expect(fired).toBeGreaterThan(5)
    expect(fired).toBeLessThan(30)
  })

  it('derives distinct seeds from one base seed', () => {
    expect(new Set([1, 2, 3, 4].map((i) => deriveSeed(7, i))).size).toBe(4)
    expect(deriveSeed(7, 1)).toBe(deriveSeed(7, 1))
  })
})

describe('drawFaultsExhausting, removeFault, removeScopedFaults', () => {
  it('names the faults a draw used up and removed, and only those', () => {
    const faults = make([
      { kind: 'status', status: 503, count: 1 },
      { kind: 'latency', ms: 5 },
    ])
    const selection = emptySelection()
    expect(drawFaultsExhausting(faults, request, selection)).toEqual(['f1'])
    expect(selection.status?.status).toBe(503)
    expect(faults.map((f) => f.spec.id)).toEqual(['f2'])
    expect(drawFaultsExhausting(faults, request, emptySelection())).toEqual([])
  })

  it('removes a fault by id and says whether it was there', () => {
    const faults = make([{ kind: 'latency', ms: 1 }, { kind: 'malformed-json' }])
    expect(removeFault(faults, 'f1')).toBe(true)
    expect(removeFault(faults, 'f1')).toBe(false)
    expect(faults.map((f) => f.spec.id)).toEqual(['f2'])
  })

  it('removes the faults scoped to a server, or every fault without one, and returns them', () => {
    const faults = make([
      { kind: 'latency', ms: 1, server: 's1' },
      { kind: 'latency', ms: 2 },
      { kind: 'latency', ms: 3, server: 's2' },
    ])
    expect(removeScopedFaults(faults, 's1').map((f) => f.spec.id)).toEqual(['f1'])
    expect(faults.map((f) => f.spec.id)).toEqual(['f2', 'f3'])
    expect(removeScopedFaults(faults, undefined).map((f) => f.spec.id)).toEqual(['f3', 'f2'])
    expect(faults).toHaveLength(0)
  })
})

describe('FaultSpecSchema: retryAfterSeconds', () => {
  // Clients must survive absurd hints (issue 9: a 30-day Retry-After), so the mock must send them.
  it.each([0, 1, 86_400, 86_401, 2_592_000, 1.5, 1e12])('accepts %s', (seconds) => {
    const parsed = v.safeParse(FaultSpecSchema, {
      kind: 'status',
      status: 429,
      retryAfterSeconds: seconds,
    })
    expect(parsed.success).toBe(true)
    const faults = make([{ kind: 'status', status: 429, retryAfterSeconds: seconds, count: 1 }])
    expect(drawFaults(faults, request, emptySelection()).status?.retryAfterSeconds).toBe(seconds)
  })

  it.each([-1, Number.POSITIVE_INFINITY, Number.NaN, '30'])('refuses %s', (seconds) => {
    const parsed = v.safeParse(FaultSpecSchema, {
      kind: 'status',
      status: 429,
      retryAfterSeconds: seconds,
    })
    expect(parsed.success).toBe(false)
  })
})

describe('FaultSpecSchema scope', () => {
  const issueOf = (input: unknown) => {
    const parsed = v.safeParse(FaultSpecSchema, input)
    return parsed.success ? undefined : parsed.issues[0]
  }

  it('refuses a server scope on routes that name no server (the fleet list, IAM), naming server', () => {
    for (const route of ['sources', 'iam']) {
      const issue = issueOf({ kind: 'status', status: 503, server: 's1', route })
      expect(
        issue?.path?.map((p) => p.key),
        route,
      ).toEqual(['server'])
      expect(issue?.message).toMatch(/never fires on route "sources" or "iam"/)
    }
  })

  it('takes a server scope on routes carrying the server id, and no scope on any route', () => {
    for (const route of ['sms', 'command', 'command_result', 'any', undefined]) {
      expect(issueOf({ kind: 'latency', ms: 1, server: 's1', route }), route).toBeUndefined()
    }
    expect(issueOf({ kind: 'status', status: 503, route: 'sources' })).toBeUndefined()
  })

  it('refuses unknown fields on every kind, naming the field', () => {
    for (const spec of [
      { kind: 'status', status: 503 },
      { kind: 'latency', ms: 1 },
      { kind: 'malformed-json' },
      { kind: 'truncated-body' },
      { kind: 'drop-connection', when: 'after' },
    ]) {
      const issue = issueOf({ ...spec, bogus: 1 })
      expect(
        issue?.path?.map((p) => p.key),
        spec.kind,
      ).toEqual(['bogus'])
    }
  })

  it('never fires a server-scoped fault on the fleet list, which is why it is refused', () => {
    const faults = make([{ kind: 'status', status: 503, server: 's1', route: 'sources' }])
    expect(
      drawFaults(faults, { serverId: undefined, route: 'sources' }, emptySelection()).hits,
    ).toEqual([])
  })
})
