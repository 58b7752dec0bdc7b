import { MockConfigError } from '../../errors.ts'
import type { MockOptions } from '../../options.ts'
import { parseRateLimit } from '../../rules/rate-limit.ts'
import { parseScenarioText } from '../../scenario.ts'
import { IDLE_SHAPES, type IdleShape } from '../../types.ts'

/** The variables of the Worker (see wrangler.jsonc), apart from its bindings. */
export interface WorkerVariables {
  /** Required unless the Worker is reached on a loopback address (wrangler dev). */
  SMS_MOCK_ADMIN_TOKEN?: string
  /** Scenario JSON text. */
  SMS_MOCK_SCENARIO?: string
  /** Fault seed; 0 when unset (a random one could differ between isolates). */
  SMS_MOCK_SEED?: string
  SMS_MOCK_DELIVERY?: string
  SMS_MOCK_IDLE?: string
  SMS_MOCK_AUTO_REGISTER?: string
  /** `gateway` (default) or `sms`. */
  SMS_MOCK_AUTH_ERRORS?: string
  /** Request budget per identity, e.g. `20/min`. */
  SMS_MOCK_RATE_LIMIT?: string
}

/** The mock's options from the Worker's variables; the same in every isolate and object. */
export function workerOptions(env: WorkerVariables): MockOptions {
  const options: MockOptions = {}
  if (env.SMS_MOCK_SCENARIO) {
    options.scenario = parseScenarioText(env.SMS_MOCK_SCENARIO, 'SMS_MOCK_SCENARIO')
  }
  const seed = env.SMS_MOCK_SEED
  if (seed !== undefined && seed !== '') {
    if (!/^\d+$/.test(seed)) throw new MockConfigError('SMS_MOCK_SEED', 'expected an integer')
    options.seed = Number(seed)
  } else if (!(options.scenario as { seed?: number } | undefined)?.seed) {
    options.seed = 0
  }
  if (env.SMS_MOCK_DELIVERY) {
    if (env.SMS_MOCK_DELIVERY !== 'ack' && env.SMS_MOCK_DELIVERY !== 'pop') {
      throw new MockConfigError('SMS_MOCK_DELIVERY', 'expected ack or pop')
    }
    options.delivery = env.SMS_MOCK_DELIVERY
  }
  if (env.SMS_MOCK_IDLE) {
    if (!(IDLE_SHAPES as readonly string[]).includes(env.SMS_MOCK_IDLE)) {
      throw new MockConfigError('SMS_MOCK_IDLE', `expected one of ${IDLE_SHAPES.join(', ')}`)
    }
    options.idle = env.SMS_MOCK_IDLE as IdleShape
  }
  if (env.SMS_MOCK_AUTO_REGISTER === 'true') options.autoRegister = true
  if (env.SMS_MOCK_AUTH_ERRORS) {
    if (env.SMS_MOCK_AUTH_ERRORS !== 'gateway' && env.SMS_MOCK_AUTH_ERRORS !== 'sms') {
      throw new MockConfigError('SMS_MOCK_AUTH_ERRORS', 'expected gateway or sms')
    }
    options.authErrors = env.SMS_MOCK_AUTH_ERRORS
  }
  if (env.SMS_MOCK_RATE_LIMIT) {
    options.rateLimit = parseRateLimit(env.SMS_MOCK_RATE_LIMIT, 'SMS_MOCK_RATE_LIMIT')
  }
  if (env.SMS_MOCK_ADMIN_TOKEN) options.adminToken = env.SMS_MOCK_ADMIN_TOKEN
  return options
}
