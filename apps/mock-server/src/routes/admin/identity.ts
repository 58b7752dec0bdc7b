// `/_mock/identity` and `/_mock/tokens/*`: credentials added at run time, tokens expired or revoked.
import * as v from 'valibot'
import { ADMIN_CODES } from '../../errors.ts'
import { DEFAULT_ACCOUNT, jsonObject, ScenarioSchema } from '../../scenario.ts'
import { type AdminDeps, adminApp, fail, ok, readJson, refuseQuery } from './shared.ts'

const TokenSelectorSchema = jsonObject(
  v.strictObject({
    token: v.optional(v.string('expected a string')),
    user: v.optional(v.string('expected a string')),
    account: v.optional(v.string('expected a string')),
    kind: v.optional(
      v.picklist(['static', 'issued', 'all'], 'expected "static", "issued" or "all"'),
    ),
  }),
)

const IdentitySchema = v.pick(ScenarioSchema, ['accounts', 'users', 'tokens', 'accessKeys'])

/**
 * The `/_mock/tokens` sub-app: `POST /expire` and `POST /revoke`.
 *
 * @example
 * admin.route('/tokens', tokensApp(deps))
 */
export function tokensApp({ store }: AdminDeps) {
  const app = adminApp()
  for (const action of ['expire', 'revoke'] as const) {
    app.post(`/${action}`, async (c) => {
      const body = await readJson(c, TokenSelectorSchema)
      if (!body.ok) return body.response
      const count = await store.invalidateTokens(body.value, action)
      return ok(c, 200, { [action === 'expire' ? 'expired' : 'revoked']: count })
    })
  }
  return app
}

/**
 * The `/_mock/identity` sub-app.
 *
 * @example
 * admin.route('/identity', identityApp(deps))
 */
export function identityApp({ store }: AdminDeps) {
  return adminApp()
    .get('/', async (c) => refuseQuery(c) ?? ok(c, 200, await store.viewIdentity()))
    .post('/', async (c) => {
      const body = await readJson(c, IdentitySchema)
      if (!body.ok) return body.response
      // An access key's user must exist (already, or in this same call) in the key's account.
      const keys = body.value.accessKeys ?? []
      if (keys.some((key) => key.user !== undefined)) {
        const known = new Set(
          (await store.viewIdentity()).users.map((user) => `${user.account}/${user.name}`),
        )
        for (const user of body.value.users ?? []) {
          known.add(`${user.account ?? DEFAULT_ACCOUNT}/${user.name}`)
        }
        const index = keys.findIndex(
          (key) =>
            key.user !== undefined && !known.has(`${key.account ?? DEFAULT_ACCOUNT}/${key.user}`),
        )
        const key = keys[index]
        if (key) {
          return fail(
            c,
            400,
            ADMIN_CODES.badRequest,
            `accessKeys[${index}].user: unknown user ${JSON.stringify(key.user)} of account ${JSON.stringify(key.account ?? DEFAULT_ACCOUNT)}`,
          )
        }
      }
      await store.addIdentity(body.value)
      return ok(c, 200, await store.viewIdentity())
    })
}
