import { describe, expect, it } from 'vitest'
import { VALIBOT_DEFAULT_TEXT, WRONG_VALUES } from '../test/house-style.ts'
import { MockConfigError } from './errors.ts'
import { parseScenario, parseScenarioText } from './scenario.ts'

function errorOf(fn: () => unknown): MockConfigError {
  try {
    fn()
  } catch (error) {
    if (error instanceof MockConfigError) return error
    throw error
  }
  throw new Error('expected a MockConfigError')
}

describe('parseScenario', () => {
  it('accepts a full scenario', () => {
    const scenario = parseScenario({
      seed: 7,
      accounts: [{ name: 'acme' }],
      users: [{ name: 'ops', password: 'pw', account: 'acme' }],
      tokens: ['t1', { token: 't2', account: 'acme', expiresInMs: 1000 }],
      accessKeys: [{ ak: 'AK', sk: 'SK', account: 'acme' }],
      servers: [
        { id: 's1', domain: 'acme', commands: [{ command_name: 'START', releaseAfterMs: 5 }] },
      ],
      faults: [{ kind: 'status', status: 503, count: 1 }],
    })
    expect(scenario.servers?.[0]?.commands?.[0]?.releaseAfterMs).toBe(5)
  })

  it('names the nested field of the first problem', () => {
    const error = errorOf(() =>
      parseScenario({ servers: [{ id: 'a' }, { id: 'b', commands: [{ command_name: 42 }] }] }),
    )
    expect(error.field).toBe('scenario.servers[1].commands[0].command_name')
    expect(error.message).toMatch(/expected a string/)
  })

  it('refuses unknown fields, unknown accounts, duplicate servers and bad faults', () => {
    expect(errorOf(() => parseScenario({ server: [] })).message).toMatch(/server: unknown field/)
    expect(
      errorOf(() => parseScenario({ users: [{ name: 'u', password: 'p', account: 'nope' }] }))
        .field,
    ).toBe('scenario.users[0].account')
    expect(errorOf(() => parseScenario({ servers: [{ id: 'x' }, { id: 'x' }] })).message).toMatch(
      /listed twice/,
    )
    expect(
      errorOf(() => parseScenario({ faults: [{ kind: 'latency', minMs: 5 }] })).message,
    ).toMatch(/latency/)
    expect(errorOf(() => parseScenario({ faults: [{ kind: 'teleport' }] })).field).toBe(
      'scenario.faults[0].kind',
    )
    expect(errorOf(() => parseScenario({ servers: [{ id: 'x'.repeat(256) }] })).field).toBe(
      'scenario.servers[0].id',
    )
    expect(errorOf(() => parseScenario([])).field).toBe('scenario')
  })

  it('refuses durations past ten years, naming the path and the range', () => {
    const release = errorOf(() =>
      parseScenario({
        servers: [{ id: 's', commands: [{ command_name: 'A', releaseAfterMs: 8.64e15 }] }],
      }),
    )
    expect(release.field).toBe('scenario.servers[0].commands[0].releaseAfterMs')
    expect(release.message).toMatch(/expected 0–315360000000 \(ten years\) ms/)
    const expiry = errorOf(() => parseScenario({ tokens: [{ token: 't', expiresInMs: 1e300 }] }))
    expect(expiry.field).toBe('scenario.tokens[0].expiresInMs')
    const window = errorOf(() => parseScenario({ rateLimit: '1/3651days' }))
    expect(window.field).toBe('scenario.rateLimit')
    expect(window.message).toMatch(/expected a window of at most 3650 days \(ten years\)$/)
    const latency = errorOf(() => parseScenario({ faults: [{ kind: 'latency', ms: 2 ** 31 }] }))
    expect(latency.field).toBe('scenario.faults[0].ms')
  })

  it('takes a rateLimit window of any N within 3650 days, and names a LIMIT over the maximum', () => {
    expect(parseScenario({ rateLimit: '1/1000000s' }).rateLimit).toBe('1/1000000s')
    expect(parseScenario({ rateLimit: '1000000000/min' }).rateLimit).toBe('1000000000/min')
    const limit = errorOf(() => parseScenario({ rateLimit: '9007199254740992/min' }))
    expect(limit.field).toBe('scenario.rateLimit')
    expect(limit.message).toMatch(/with a LIMIT of 1 to 9007199254740991 requests$/)
  })

  it('refuses a fault scoped to a server on a route that names no server, naming the path', () => {
    const error = errorOf(() =>
      parseScenario({
        servers: [{ id: 's1' }],
        faults: [{ kind: 'status', status: 503, server: 's1', route: 'sources' }],
      }),
    )
    expect(error.field).toBe('scenario.faults[0].server')
    expect(error.message).toMatch(/never fires on route "sources"/)
  })

  it('refuses unknown fields inside every listed object, naming the path', () => {
    const cases: [unknown, string][] = [
      [{ servers: [{ id: 's', bogus: 1 }] }, 'scenario.servers[0].bogus'],
      [
        { servers: [{ id: 's', commands: [{ command_name: 'A', bogus: 1 }] }] },
        'scenario.servers[0].commands[0].bogus',
      ],
      [{ users: [{ name: 'u', password: 'p', bogus: 1 }] }, 'scenario.users[0].bogus'],
      [{ tokens: ['t', { token: 't2', bogus: 1 }] }, 'scenario.tokens[1].bogus'],
      [{ accessKeys: [{ ak: 'A', sk: 'S', bogus: 1 }] }, 'scenario.accessKeys[0].bogus'],
      [
        { accounts: [{ name: 'a', projects: [{ name: 'p', id: 'i', bogus: 1 }] }] },
        'scenario.accounts[0].projects[0].bogus',
      ],
      [{ faults: [{ kind: 'truncated-body', bogus: 1 }] }, 'scenario.faults[0].bogus'],
    ]
    for (const [scenario, field] of cases) {
      const error = errorOf(() => parseScenario(scenario))
      expect(error.field, field).toBe(field)
      expect(error.message).toBe(`${field}: unknown field`)
    }
    // command_param stays free-form.
    expect(
      parseScenario({
        servers: [{ id: 's', commands: [{ command_name: 'A', command_param: { x: 1 } }] }],
      }).servers?.[0]?.commands?.[0]?.command_param,
    ).toEqual({ x: 1 })
  })

  it('lets an access key name an IAM user of its account, and refuses one that is not declared', () => {
    const users = [
      { name: 'ops', password: 'pw' },
      { name: 'ops', password: 'pw', account: 'acme' },
    ]
    const accounts = [{ name: 'acme' }]
    expect(
      parseScenario({ accounts, users, accessKeys: [{ ak: 'AK1', sk: 'sk', user: 'ops' }] })
        .accessKeys?.[0]?.user,
    ).toBe('ops')
    const unknown = errorOf(() =>
      parseScenario({ accounts, users, accessKeys: [{ ak: 'AK1', sk: 'sk', user: 'nobody' }] }),
    )
    expect(unknown.field).toBe('scenario.accessKeys[0].user')
    expect(unknown.message).toMatch(/unknown user "nobody" of account "demo"/)
    // a user of another account does not count
    expect(
      errorOf(() =>
        parseScenario({
          accounts: [{ name: 'acme' }, { name: 'zeta' }],
          users: [{ name: 'ops', password: 'pw', account: 'zeta' }],
          accessKeys: [{ ak: 'AK1', sk: 'sk', account: 'acme', user: 'ops' }],
        }),
      ).field,
    ).toBe('scenario.accessKeys[0].user')
  })

  it('refuses a list, null, a string or a number where an object belongs, naming the path', () => {
    const cases: [unknown, string, string][] = [
      [[], 'scenario', 'expected an object, got an array'],
      [null, 'scenario', 'expected a JSON object, got null'],
      ['{}', 'scenario', 'expected a JSON object, got a string'],
      [
        { servers: [{ id: 's1', commands: [{ command_name: 'A', command_param: [] }] }] },
        'scenario.servers[0].commands[0].command_param',
        'expected a JSON object, got an array',
      ],
      [
        { servers: [{ id: 's1', commands: [[]] }] },
        'scenario.servers[0].commands[0]',
        'expected a JSON object, got an array',
      ],
      [{ servers: [[]] }, 'scenario.servers[0]', 'expected a JSON object, got an array'],
      [{ users: [7] }, 'scenario.users[0]', 'expected a JSON object, got a number'],
      [{ accessKeys: [null] }, 'scenario.accessKeys[0]', 'expected a JSON object, got null'],
      [{ accounts: [[]] }, 'scenario.accounts[0]', 'expected a JSON object, got an array'],
      [
        { accounts: [{ name: 'acme', projects: [[]] }] },
        'scenario.accounts[0].projects[0]',
        'expected a JSON object, got an array',
      ],
    ]
    for (const [input, field, message] of cases) {
      const error = errorOf(() => parseScenario(input))
      expect(error.field, JSON.stringify(input)).toBe(field)
      expect(error.message, JSON.stringify(input)).toBe(`${field}: ${message}`)
    }
  })

  it("words every field's error in the house style, never valibot's default text", () => {
    const topLevel = [
      ...['$schema', 'description', 'seed', 'delivery', 'idle', 'authErrors', 'rateLimit'],
      ...['accounts', 'users', 'tokens', 'accessKeys', 'servers', 'faults'],
    ]
    const inList = (key: string, item: Record<string, unknown>, fields: string[]) =>
      fields.map((field) => (value: unknown) => ({ [key]: [{ ...item, [field]: value }] }))
    const makers = [
      ...topLevel.map((field) => (value: unknown) => ({ [field]: value })),
      ...inList('accounts', { name: 'acme' }, ['name', 'id', 'projects']),
      ...inList('users', { name: 'u', password: 'p' }, ['name', 'password', 'account', 'enabled']),
      ...inList('tokens', { token: 't' }, ['token', 'account', 'expiresInMs']),
      ...inList('accessKeys', { ak: 'AK', sk: 'SK' }, [
        'ak',
        'sk',
        'account',
        'user',
        'securityToken',
      ]),
      ...inList('servers', { id: 's1' }, [
        'id',
        'domain',
        'delivery',
        'idle',
        'commands',
        'name',
        'state',
        'migration_cycle',
      ]),
      ...inList('faults', { kind: 'status', status: 503 }, [
        'kind',
        'status',
        'retryAfterSeconds',
        'error_code',
        'error_msg',
        'id',
        'server',
        'route',
        'count',
        'probability',
        'seed',
      ]),
      ...['command_name', 'command_param', 'releaseAfterMs'].map((field) => (value: unknown) => ({
        servers: [{ id: 's1', commands: [{ command_name: 'A', [field]: value }] }],
      })),
      ...['task_id', 'bucket'].map((field) => (value: unknown) => ({
        servers: [
          { id: 's1', commands: [{ command_name: 'A', command_param: { [field]: value } }] },
        ],
      })),
      (value: unknown) => ({ accounts: [{ name: 'acme', projects: [{ name: 'p', id: value }] }] }),
    ]
    let refused = 0
    for (const make of makers) {
      for (const value of WRONG_VALUES) {
        const input = make(value)
        let error: MockConfigError | undefined
        try {
          parseScenario(input)
        } catch (caught) {
          if (!(caught instanceof MockConfigError)) throw caught
          error = caught
        }
        if (!error) continue
        refused++
        expect(error.message, JSON.stringify(input).slice(0, 200)).not.toMatch(VALIBOT_DEFAULT_TEXT)
      }
    }
    expect(refused).toBeGreaterThan(200)
  })

  it('reports text that is not JSON', () => {
    expect(errorOf(() => parseScenarioText('{nope', 'scenario a.json')).message).toMatch(
      /^scenario a\.json: is not valid JSON/,
    )
  })
})
