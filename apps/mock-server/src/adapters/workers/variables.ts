// The Worker's variables (wrangler.jsonc `vars`, or secrets), read by the rows of MOCK_SETTINGS
// that name a variable, as `sms-mock` reads them: one table, so a new setting needs nothing here.
import type { MockOptions } from '../../options.ts'
import { parseScenarioText } from '../../scenario.ts'
import { settingsFromEnv } from '../../settings.ts'

/**
 * The variables of the Worker (see wrangler.jsonc), apart from its bindings. Every `SMS_MOCK_*`
 * variable of `sms-mock` works (README.md lists them); a JSON value (`"SMS_MOCK_SEED": 7`) is
 * taken as its text would be.
 */
export interface WorkerVariables {
  /** Required unless the Worker is reached on a loopback address (wrangler dev). */
  SMS_MOCK_ADMIN_TOKEN?: string
  /** Scenario JSON text. */
  SMS_MOCK_SCENARIO?: string
  /** Fault seed; 0 when unset (a random one could differ between isolates). */
  SMS_MOCK_SEED?: string | number
  SMS_MOCK_DELIVERY?: string
  SMS_MOCK_IDLE?: string
  SMS_MOCK_AUTO_REGISTER?: string | boolean
  /** `gateway` (default) or `sms`. */
  SMS_MOCK_AUTH_ERRORS?: string
  /** Request budget per identity, e.g. `20/min`. */
  SMS_MOCK_RATE_LIMIT?: string
}

/**
 * The mock's options from the Worker's variables; the same in every isolate and object.
 *
 * @throws {MockConfigError} naming the variable.
 * @example
 * workerOptions({ SMS_MOCK_RATE_LIMIT: '20/min' }) // { rateLimit: { limit: 20, windowMs: 60000 }, seed: 0 }
 */
export function workerOptions(env: WorkerVariables): MockOptions {
  const options = settingsFromEnv(env as Record<string, unknown>, 'app') as MockOptions
  if (env.SMS_MOCK_SCENARIO) {
    options.scenario = parseScenarioText(env.SMS_MOCK_SCENARIO, 'SMS_MOCK_SCENARIO')
  }
  // Every isolate and object must draw the same faults: no random seed.
  if (
    options.seed === undefined &&
    (options.scenario as { seed?: number } | undefined)?.seed === undefined
  ) {
    options.seed = 0
  }
  return options
}
