// `/_mock/faults`: add, list and remove injected faults.
import { ServerIdSchema } from '@sms-command/core'
import * as v from 'valibot'
import { ADMIN_CODES } from '../../errors.ts'
import { describeFault, FaultSpecSchema } from '../../rules/faults.ts'
import { firstIssue } from '../../scenario.ts'
import {
  type AdminDeps,
  adminApp,
  fail,
  isObject,
  NoBodySchema,
  ok,
  type QueryParam,
  query,
  readJson,
  refuseQuery,
} from './shared.ts'

const FaultsBodySchema = v.lazy((input) =>
  Array.isArray(input)
    ? v.array(FaultSpecSchema)
    : isObject(input)
      ? FaultSpecSchema
      : v.never('expected a fault or a list of faults'),
)

/** `?server=ID`, checked as the SMS API checks a server id; repeatable where it means "any of". */
export const serverIdParam: QueryParam = {
  repeats: true,
  check: (value) => {
    const parsed = v.safeParse(ServerIdSchema, value)
    return parsed.success ? undefined : `expected a server id: ${firstIssue(parsed.issues).message}`
  },
}

const FAULTS_DELETE_QUERY: Record<string, QueryParam> = {
  server: { ...serverIdParam, repeats: false },
}

/**
 * The `/_mock/faults` sub-app.
 *
 * @example
 * admin.route('/faults', faultsApp(deps))
 */
export function faultsApp({ store, runtime }: AdminDeps) {
  return adminApp()
    .get(
      '/',
      async (c) =>
        refuseQuery(c) ?? ok(c, 200, { faults: (await store.listFaults()).map(describeFault) }),
    )
    .post('/', async (c) => {
      const body = await readJson(c, FaultsBodySchema)
      if (!body.ok) return body.response
      const specs = Array.isArray(body.value) ? body.value : [body.value]
      if (specs.some((spec) => spec.kind === 'drop-connection') && !runtime.dropConnection) {
        return fail(
          c,
          501,
          ADMIN_CODES.unsupported,
          `drop-connection is not supported on ${runtime.name}: ${runtime.dropUnsupported ?? 'the runtime offers no way to close a connection from a handler'}`,
        )
      }
      const added = []
      for (const spec of specs) {
        const fault = await store.addFault(spec)
        if ('error' in fault) return fail(c, 409, ADMIN_CODES.conflict, fault.error)
        added.push(describeFault(fault))
      }
      return ok(c, 201, { faults: added })
    })
    .delete('/:id', async (c) => {
      const body = await readJson(c, NoBodySchema)
      if (!body.ok) return body.response
      const id = c.req.param('id')
      if (!(await store.removeFault(id))) {
        return fail(c, 404, ADMIN_CODES.notFound, `no fault ${id}`)
      }
      return ok(c, 200, { deleted: id })
    })
    .delete('/', async (c) => {
      const body = await readJson(c, NoBodySchema)
      if (!body.ok) return body.response
      const read = query(c, FAULTS_DELETE_QUERY)
      if (!read.ok) return read.response
      return ok(c, 200, { deleted: await store.clearFaults(read.values.server?.[0]) })
    })
}
