import * as v from 'valibot'
import { LIMITS } from './limits.ts'

/** `result` values accepted by `POST .../command_result`. */
export const COMMAND_RESULTS = ['success', 'fail'] as const

/** `success` or `fail`. */
export type CommandResultStatus = (typeof COMMAND_RESULTS)[number]

/** Body of `POST /v3/sources/{server_id}/command_result` (API.md §2). */
export const CommandResultSchema = v.object({
  command_name: v.pipe(
    v.string('expected a string'),
    v.maxLength(LIMITS.commandName, `expected at most ${LIMITS.commandName} characters`),
  ),
  result: v.picklist(COMMAND_RESULTS, 'expected "success" or "fail"'),
  // `v.record` alone would accept an array (and output `{}`): check for a plain object first.
  result_detail: v.pipe(
    v.custom<Record<string, unknown>>(
      (input) => typeof input === 'object' && input !== null && !Array.isArray(input),
      'expected a JSON object',
    ),
    v.record(v.string(), v.unknown(), 'expected a JSON object'),
  ),
})

/** A command result as sent to SMS. */
export type CommandResult = v.InferOutput<typeof CommandResultSchema>
