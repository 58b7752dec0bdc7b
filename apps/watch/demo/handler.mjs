#!/usr/bin/env node
// The demo's command handler, run by sms-agent for every command (argv [PATH, COMMAND]; env
// SMS_COMMAND, SMS_TASK_ID, SMS_BUCKET, SMS_SERVER_ID). It pretends to work for 0.4–3 s,
// printing progress, and fails about one time in five so the watch has failures to show.
const command = process.argv[2] ?? process.env.SMS_COMMAND ?? '?'
const server = process.env.SMS_SERVER_ID ?? '?'
const task = process.env.SMS_TASK_ID ?? ''
const workMs = 400 + Math.floor(Math.random() * 2_600)
const fails = Math.random() < 0.2

process.on('SIGTERM', () => {
  console.log(`${command}: stopped by SIGTERM`)
  process.exit(143)
})

console.log(`${command} on ${server}${task ? ` (task ${task})` : ''}: working for ${workMs} ms`)
const steps = 4
for (let step = 1; step <= steps; step++) {
  await new Promise((resolve) => setTimeout(resolve, workMs / steps))
  console.log(`${command}: ${Math.round((step / steps) * 100)}%`)
}
if (fails) {
  console.error(`${command}: simulated failure (the demo fails about one command in five)`)
  process.exit(3)
}
console.log(`${command}: done`)
