// The Worker's environment: its Durable Object bindings beside its variables. Apart from the
// objects' own files, which only name the variables (and each other), so that no file imports
// one that imports it back.
import type { SmsControlObject } from './control-object.ts'
import type { SmsServerObject } from './server-object.ts'
import type { WorkerVariables } from './variables.ts'

export { type WorkerVariables, workerOptions } from './variables.ts'

/** Bindings and variables of the Worker (see wrangler.jsonc). */
export interface WorkerEnv extends WorkerVariables {
  SMS_CONTROL: DurableObjectNamespace<SmsControlObject>
  SMS_SERVER: DurableObjectNamespace<SmsServerObject>
}
