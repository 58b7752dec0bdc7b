import { boolean, duration, type OptionTable, parseCommandLine } from '@sms-command/cli-kit'

const OPTIONS = {
  interval: {
    flag: '--interval',
    env: 'SMS_INTERVAL',
    schema: duration({ min: 1_000 }),
    default: '10s',
    as: 'intervalMs',
    group: 'Polling',
    help: 'pause between polls',
  },
  once: { flag: '--once', env: 'SMS_ONCE', schema: boolean(), default: false, help: 'poll once' },
} as const satisfies OptionTable

const parsed = await parseCommandLine(
  { program: 'my-tool', options: OPTIONS },
  { args: process.argv.slice(2), env: process.env },
)
if (parsed.action === 'run') console.log(parsed.values.intervalMs) // number, typed from the schema
