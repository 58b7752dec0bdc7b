import { createSmsClient, iamPasswordToken } from '@sms-command/core'
import { deliverCommands, memoryJournal } from '@sms-command/core/delivery'

const client = createSmsClient({
  endpoint: process.env.SMS_ENDPOINT ?? 'https://sms.ap-southeast-1.myhuaweicloud.com',
  auth: iamPasswordToken({
    iamEndpoint: process.env.SMS_IAM_ENDPOINT ?? 'https://iam.myhuaweicloud.com',
    user: process.env.SMS_USER ?? 'ops',
    password: process.env.SMS_PASSWORD ?? '',
    domain: process.env.SMS_DOMAIN ?? 'acme',
  }),
})
const serverId = process.env.SMS_SERVER_ID ?? 'f32ab4d6-d150-4fb3-aa55-edbb5cf9947f'

// Keep the journal durably in real use (a file, KV, a Durable Object): it is what makes a
// restart neither run a command twice nor report one twice.
const journal = memoryJournal()
const stop = new AbortController()
process.once('SIGTERM', () => stop.abort())

for await (const event of deliverCommands(client, serverId, {
  journal,
  intervalMs: 10_000,
  signal: stop.signal,
  run: async (command, { signal }) => {
    // … carry the command out, stopping when `signal` aborts …
    signal.throwIfAborted()
    return { result: 'success', result_detail: { ran: command.command_name, duration_ms: 1200 } }
  },
})) {
  if (event.event === 'report.acknowledged') console.log('reported', event.command)
  if (event.level === 'warn' || event.level === 'error') console.warn(event.event, event.msg)
}
