// `/_mock` and `/_mock/settings`: what the mock runs with, and the settings that change live.
import * as v from 'valibot'
import { AUTH_ERROR_STYLES } from '../../rules/gateway.ts'
import { parseRateLimit, viewRateLimit } from '../../rules/rate-limit.ts'
import { jsonObject, RateLimitSchema } from '../../scenario.ts'
import type { LiveSettings } from '../../store/store.ts'
import { type AdminDeps, adminApp, ok, readJson, refuseQuery } from './shared.ts'

const LiveSettingsSchema = jsonObject(
  v.strictObject({
    rateLimit: v.optional(RateLimitSchema),
    authErrors: v.optional(v.picklist(AUTH_ERROR_STYLES, 'expected "gateway" or "sms"')),
  }),
)

const viewLive = (live: LiveSettings) => ({
  authErrors: live.authErrors,
  rateLimit: viewRateLimit(live.rateLimit),
})

/**
 * The `/_mock` overview (`GET /`) and `/_mock/settings`.
 *
 * @example
 * admin.route('/', settingsApp(deps))
 */
export function settingsApp({ store, settings, runtime, adminToken }: AdminDeps) {
  return adminApp()
    .get(
      '/',
      async (c) =>
        refuseQuery(c) ??
        ok(c, 200, {
          name: '@sms-command/mock-server',
          runtime: runtime.name,
          store: store.kind,
          delivery: settings.delivery,
          idle: settings.idle,
          seed: settings.seed,
          autoRegister: settings.autoRegister,
          journalSize: settings.journalSize,
          tokenTtlMs: settings.tokenTtlMs,
          maxSkewMs: settings.maxSkewMs,
          ...viewLive(await store.liveSettings()),
          now: new Date(await store.now()).toISOString(),
          adminProtected: adminToken !== undefined,
          capabilities: {
            dropConnection: runtime.dropConnection !== undefined,
            ...(runtime.dropUnsupported
              ? { dropConnectionUnsupported: runtime.dropUnsupported }
              : {}),
          },
          baseUrl: new URL(c.req.url).origin,
        }),
    )
    .get(
      '/settings',
      async (c) => refuseQuery(c) ?? ok(c, 200, viewLive(await store.liveSettings())),
    )
    .post('/settings', async (c) => {
      const body = await readJson(c, LiveSettingsSchema)
      if (!body.ok) return body.response
      const changes: Partial<LiveSettings> = {}
      if (body.value.authErrors !== undefined) changes.authErrors = body.value.authErrors
      if (body.value.rateLimit !== undefined) {
        changes.rateLimit =
          body.value.rateLimit === null ? null : parseRateLimit(body.value.rateLimit)
      }
      return ok(c, 200, viewLive(await store.updateLiveSettings(changes)))
    })
}
