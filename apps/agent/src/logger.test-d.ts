// Type tests: checked by `tsc` (the typecheck task), not run.
import { expectTypeOf } from 'vitest'
import { createLogger, type Logger, type UntypedEvents } from './logger.ts'

const logger = createLogger({ format: 'json', level: 'info', write: () => {} })
expectTypeOf(logger).toEqualTypeOf<Logger>()

logger.info('poll.idle', { latency_ms: 12, delay: 10_000 })
logger.log('warn', 'command.finish', { result: 'fail', exit_code: 3 })
logger.info('poll.recovered')
// @ts-expect-error a renamed event is not an agent event
logger.info('poll.idel', { latency_ms: 12 })
// @ts-expect-error a reshaped event: latency_ms is a number
logger.debug('poll.idle', { latency_ms: '12 ms' })
// @ts-expect-error an undeclared field
logger.info('agent.exit', { exit_code: 0, code: 0 })
// @ts-expect-error agent.exit needs its exit code
logger.info('agent.exit')
// @ts-expect-error command.finish needs its result
logger.log('info', 'command.finish', { exit_code: 0 })

// Tests and tools may log anything through an untyped logger, and hand it to typed code.
const untyped = createLogger<UntypedEvents>({ format: 'json', level: 'info', write: () => {} })
untyped.info('tick', { index: 1 })
const typed: Logger = untyped
void typed
