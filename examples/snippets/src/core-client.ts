import { akSk, createSmsClient } from '@sms-command/core'

const client = createSmsClient({
  endpoint: process.env.SMS_ENDPOINT ?? 'https://sms.ap-southeast-1.myhuaweicloud.com',
  auth: akSk({
    ak: process.env.SMS_AK ?? '',
    sk: process.env.SMS_SK ?? '',
    domainId: process.env.SMS_DOMAIN_ID,
  }),
  timeoutMs: 30_000,
  retry: { attempts: 4, baseDelayMs: 500, maxDelayMs: 20_000 },
})
const serverId = process.env.SMS_SERVER_ID ?? 'f32ab4d6-d150-4fb3-aa55-edbb5cf9947f'
const command = await client.getCommand(serverId) // SmsCommand | null
console.log(command?.command_name ?? 'no command')
