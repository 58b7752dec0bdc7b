import { createSmsClient, iamPasswordToken, isKnownCommand, pollCommands } from '@sms-command/core'

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
const command = await client.getCommand(serverId) // null when nothing is pending
if (command && isKnownCommand(command.command_name)) {
  // … carry it out …
  await client.reportResult(serverId, {
    command_name: command.command_name,
    result: 'success',
    result_detail: { duration_ms: 1200 },
  })
  console.log('reported', command.command_name)
}

// Or poll until stopped (jittered first poll, capped full-jitter backoff, Retry-After, abortable):
const stop = new AbortController()
process.once('SIGTERM', () => stop.abort())
for await (const event of pollCommands(client, serverId, {
  intervalMs: 10_000,
  signal: stop.signal,
})) {
  if (event.type === 'command') console.log('pending', event.command)
  if (event.type === 'error')
    console.warn(event.error.message, `retrying in ${event.nextDelayMs} ms`)
}
