// `/_mock/clock`: read the mock clock, move it forward or set it.
import * as v from 'valibot'
import { ADMIN_CODES } from '../../errors.ts'
import { parseClockDate } from '../../rules/clock-date.ts'
import { clockChangeProblem } from '../../rules/control.ts'
import { MAX_DURATION_MS } from '../../rules/time-bounds.ts'
import { jsonObject } from '../../scenario.ts'
import { type AdminDeps, adminApp, fail, ok, readJson, refuseQuery } from './shared.ts'

const ClockFieldsSchema = v.pipe(
  v.strictObject({
    advanceMs: v.optional(
      v.pipe(
        v.number('expected a number'),
        v.integer('expected an integer'),
        v.minValue(0, 'expected at least 0: the mock clock only moves forward by advanceMs'),
        v.maxValue(MAX_DURATION_MS, `expected at most ${MAX_DURATION_MS} (ten years)`),
      ),
    ),
    to: v.optional(
      v.pipe(
        v.string('expected an ISO 8601 date'),
        v.rawTransform(({ dataset, addIssue, NEVER }) => {
          const parsed = parseClockDate(dataset.value)
          if (parsed.ok) return parsed.ms
          addIssue({ message: parsed.message })
          return NEVER
        }),
      ),
    ),
  }),
  v.check(
    (body) => (body.advanceMs === undefined) !== (body.to === undefined),
    'expected {"advanceMs": N} or {"to": "ISO 8601 date"}',
  ),
)

// A list, null, a string or a number is refused as on every admin body.
const ClockSchema = jsonObject(ClockFieldsSchema)

/**
 * The `/_mock/clock` sub-app.
 *
 * @example
 * admin.route('/clock', clockApp(deps))
 */
export function clockApp({ store, settings }: AdminDeps) {
  return adminApp()
    .get('/', async (c) => {
      const refused = refuseQuery(c)
      if (refused) return refused
      const now = await store.now()
      return ok(c, 200, { now: new Date(now).toISOString(), offsetMs: now - settings.clock() })
    })
    .post('/', async (c) => {
      const body = await readJson(c, ClockSchema)
      if (!body.ok) return body.response
      const change =
        body.value.to !== undefined
          ? { to: body.value.to }
          : { advanceMs: body.value.advanceMs ?? 0 }
      const problem = clockChangeProblem(change, await store.now())
      if (problem) {
        return fail(c, 400, ADMIN_CODES.badRequest, `${problem.field}: ${problem.message}`)
      }
      const clock = await store.setClock(change)
      return ok(c, 200, { now: new Date(clock.now).toISOString(), offsetMs: clock.offsetMs })
    })
}
