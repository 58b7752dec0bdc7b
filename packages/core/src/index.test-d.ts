// Type tests: checked by `tsc` (the typecheck task), not run.
import { expectTypeOf } from 'vitest'
import {
  type CommandResult,
  createSmsClient,
  isKnownCommand,
  type KnownCommandName,
  type PollEvent,
  pollCommands,
  type SmsCommand,
  type SourceServer,
  staticToken,
} from './index.ts'

const client = createSmsClient({ endpoint: 'https://sms.example.test', auth: staticToken('t') })
expectTypeOf(client.getCommand('s')).resolves.toEqualTypeOf<SmsCommand | null>()
expectTypeOf<SmsCommand['command_param']['task_id']>().toEqualTypeOf<string | undefined>()
expectTypeOf<CommandResult['result']>().toEqualTypeOf<'success' | 'fail'>()

// @ts-expect-error result is 'success' or 'fail'
client.reportResult('s', { command_name: 'START', result: 'ok', result_detail: {} })
// @ts-expect-error result_detail is required
client.reportResult('s', { command_name: 'START', result: 'fail' })

const name: string = 'START'
if (isKnownCommand(name)) expectTypeOf(name).toEqualTypeOf<KnownCommandName>()

declare const event: PollEvent
if (event.type === 'command') expectTypeOf(event.command).toEqualTypeOf<SmsCommand>()
if (event.type === 'error') expectTypeOf(event.consecutiveErrors).toBeNumber()
expectTypeOf(pollCommands(client, 's').wake).toBeFunction()

expectTypeOf(client.listServers({ state: 'replicate', connected: true })).toEqualTypeOf<
  AsyncIterableIterator<SourceServer>
>()
expectTypeOf<SourceServer['state']>().toExtend<string | undefined>()
expectTypeOf(client.clockOffsetMs).toEqualTypeOf<number | undefined>()
// @ts-expect-error connected is a boolean
client.listServers({ connected: 'yes' })
if (event.type === 'error')
  expectTypeOf(event.retryAfterClampedFromMs).toEqualTypeOf<number | undefined>()
