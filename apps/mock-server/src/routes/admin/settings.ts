// `/_mock` and `/_mock/settings`: what the mock runs with, and the settings that change live.
import { viewRateLimit } from '../../rules/rate-limit.ts'
import { LiveSettingsSchema, rateLimitOf } from '../../settings.ts'
import type { LiveSettings } from '../../store/store.ts'
import { type AdminDeps, adminApp, ok, readJson, refuseQuery } from './shared.ts'

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
        changes.rateLimit = rateLimitOf(body.value.rateLimit)
      }
      return ok(c, 200, viewLive(await store.updateLiveSettings(changes)))
    })
}
