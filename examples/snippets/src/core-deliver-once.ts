import { readFile, rename, writeFile } from 'node:fs/promises'
import { createSmsClient, staticToken } from '@sms-command/core'
import { deliverOnce, type JournalStore } from '@sms-command/core/delivery'

const client = createSmsClient({
  endpoint: process.env.SMS_ENDPOINT ?? 'https://sms.ap-southeast-1.myhuaweicloud.com',
  auth: staticToken(process.env.SMS_TOKEN ?? ''),
})
const serverId = process.env.SMS_SERVER_ID ?? 'f32ab4d6-d150-4fb3-aa55-edbb5cf9947f'

// A journal store keeps one JSON value durably: here a file, replaced atomically (the agent's
// FileJournalStore also fsyncs file and directory).
const path = process.env.SMS_JOURNAL ?? 'sms-journal.json'
const journal: JournalStore = {
  name: `file ${path}`,
  load: () => readFile(path, 'utf8').then(JSON.parse, () => undefined),
  async save(state) {
    await writeFile(`${path}.tmp`, JSON.stringify(state))
    await rename(`${path}.tmp`, path)
  },
}

// One pass, e.g. from cron: poll, run what is new, report once SMS still shows it current.
const pass = await deliverOnce(client, serverId, {
  journal,
  run: async (command) => ({ result: 'success', result_detail: { ran: command.command_name } }),
})
console.log(pass.polled, `outbox ${pass.outbox}`)
