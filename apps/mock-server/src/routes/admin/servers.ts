// `/_mock/servers`: register, view and delete servers, enqueue their commands, read their results.
import { ServerIdSchema } from '@sms-command/core'
import * as v from 'valibot'
import { ADMIN_CODES } from '../../errors.ts'
import { CommandInputSchema, DELIVERY_MODES, jsonObject } from '../../scenario.ts'
import { IDLE_SHAPES } from '../../types.ts'
import {
  type AdminDeps,
  adminApp,
  fail,
  isObject,
  NoBodySchema,
  ok,
  readJson,
  refuseQuery,
  shortText,
} from './shared.ts'

// Every admin body that is an object refuses unknown fields, as a scenario does: a misspelt
// field would otherwise be dropped without a word. `jsonObject`: a list, null, a string or a
// number is refused too (valibot's object schemas take `[]` for `{}`).
const RegisterServerSchema = jsonObject(
  v.strictObject({
    id: ServerIdSchema,
    domain: v.optional(shortText('account name')),
    delivery: v.optional(v.picklist(DELIVERY_MODES, 'expected "ack" or "pop"')),
    idle: v.optional(v.picklist(IDLE_SHAPES, `expected one of ${IDLE_SHAPES.join(', ')}`)),
    name: v.optional(shortText('server name')),
    state: v.optional(shortText('state')),
    migration_cycle: v.optional(shortText('migration cycle')),
  }),
)

const CommandListSchema = v.array(CommandInputSchema, 'expected a list of commands')

// Chosen by the body's shape, not tried in turn, so a failure names the field inside it.
const EnqueueSchema = v.lazy((input) =>
  Array.isArray(input)
    ? CommandListSchema
    : isObject(input) && 'commands' in input
      ? jsonObject(v.strictObject({ commands: CommandListSchema }))
      : isObject(input)
        ? CommandInputSchema
        : v.never(
            'expected a command {"command_name", "command_param"?, "releaseAfterMs"?}, a list of them, or {"commands": [...]}',
          ),
)

/**
 * The `/_mock/servers` sub-app.
 *
 * @example
 * admin.route('/servers', serversApp(deps))
 */
export function serversApp({ store }: AdminDeps) {
  return adminApp()
    .get('/', async (c) => refuseQuery(c) ?? ok(c, 200, { servers: await store.listServers() }))
    .post('/', async (c) => {
      const body = await readJson(c, RegisterServerSchema)
      if (!body.ok) return body.response
      const outcome = await store.registerServer({
        id: body.value.id,
        // Absent: `demo` for a new server; an existing server keeps its account.
        domain: body.value.domain,
        delivery: body.value.delivery,
        idle: body.value.idle,
        fleet: {
          name: body.value.name,
          state: body.value.state,
          migration_cycle: body.value.migration_cycle,
        },
      })
      if ('error' in outcome) return fail(c, 409, ADMIN_CODES.conflict, outcome.error)
      return ok(c, outcome.created ? 201 : 200, outcome.server)
    })
    .get('/:id', async (c) => {
      const refused = refuseQuery(c)
      if (refused) return refused
      const id = c.req.param('id')
      const server = await store.viewServer(id)
      if (!server) return fail(c, 404, ADMIN_CODES.notFound, `server ${id} is not registered`)
      return ok(c, 200, server)
    })
    .delete('/:id', async (c) => {
      const body = await readJson(c, NoBodySchema)
      if (!body.ok) return body.response
      const id = c.req.param('id')
      if (!(await store.deleteServer(id))) {
        return fail(c, 404, ADMIN_CODES.notFound, `server ${id} is not registered`)
      }
      return ok(c, 200, { deleted: id })
    })
    .post('/:id/commands', async (c) => {
      const id = c.req.param('id')
      const body = await readJson(c, EnqueueSchema)
      if (!body.ok) return body.response
      const list = Array.isArray(body.value)
        ? body.value
        : 'commands' in body.value
          ? body.value.commands
          : [body.value]
      const outcome = await store.enqueue(
        id,
        list.map((item) => ({
          command_name: item.command_name,
          command_param: item.command_param ?? {},
          releaseAfterMs: item.releaseAfterMs,
        })),
      )
      if ('notFound' in outcome) {
        return fail(
          c,
          404,
          ADMIN_CODES.notFound,
          `server ${id} is not registered; POST /_mock/servers first`,
        )
      }
      if (!outcome.ok) return fail(c, 409, ADMIN_CODES.conflict, outcome.message)
      return ok(c, 201, {
        enqueued: outcome.commands.map((command) => ({
          ...command,
          enqueuedAt: new Date(command.enqueuedAt).toISOString(),
          ...(command.releaseAt !== undefined
            ? { releaseAt: new Date(command.releaseAt).toISOString() }
            : {}),
        })),
      })
    })
    .get('/:id/results', async (c) => {
      const refused = refuseQuery(c)
      if (refused) return refused
      const id = c.req.param('id')
      const server = await store.viewServer(id)
      if (!server) return fail(c, 404, ADMIN_CODES.notFound, `server ${id} is not registered`)
      return ok(c, 200, { results: server.results, resultsTotal: server.resultsTotal })
    })
}
