/**
 * The delivery library's part of the portable smoke suite: the same cases on Node, Bun, Deno,
 * workerd and a browser. Each case throws on failure.
 */
import { deliverCommands, deliverOnce, memoryJournal } from '../src/delivery/index.ts'
import { createFakeSms } from '../src/testing/index.ts'
import { START, testProcess } from '../test/delivery-harness.ts'

interface SmokeCase {
  name: string
  run: () => Promise<void>
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`)
}

export const deliverySmokeCases: SmokeCase[] = [
  {
    name: 'deliverOnce: a lost answer never lets a re-sent report clear the next START',
    async run() {
      const sms = createFakeSms()
      sms.enqueue('srv-1', START('t1'), START('t2'))
      sms.fault('command_result', { kind: 'lose-answer' })
      const process = testProcess(sms)
      const journal = memoryJournal()
      const runs: string[] = []
      const run = async (command: { command_param: { task_id?: string } }) => {
        runs.push(command.command_param.task_id ?? '')
        return { result: 'success' as const, result_detail: {} }
      }
      for (let pass = 0; pass < 3; pass++) {
        await process.drive(deliverOnce(process.client, 'srv-1', { ...process.base, journal, run }))
      }
      check(runs.join() === 't1,t2', `ran ${runs.join()}`)
      const reported = sms.results.map((result) => result.command.command_param.task_id).join()
      check(reported === 't1,t2', `reported ${reported}`)
    },
  },
  {
    name: 'deliverOnce: after a crash mid-run, a restart over the stored JSON reports interrupted and runs nothing',
    async run() {
      const sms = createFakeSms()
      sms.enqueue('srv-1', START('t1'))
      const crashed = testProcess(sms)
      const journal = memoryJournal()
      const hanging = deliverOnce(crashed.client, 'srv-1', {
        ...crashed.base,
        journal,
        run: () => new Promise(() => {}),
      })
      hanging.catch(() => {})
      for (let turn = 0; turn < 20; turn++) await crashed.scheduler.advance(0)
      crashed.die()
      const restarted = testProcess(sms)
      let ran = 0
      await restarted.drive(
        deliverOnce(restarted.client, 'srv-1', {
          ...restarted.base,
          journal: memoryJournal(JSON.parse(JSON.stringify(journal.value()))),
          run: async () => {
            ran++
            return { result: 'success', result_detail: {} }
          },
        }),
      )
      check(ran === 0, 'the interrupted command was not run again')
      const result = sms.results[0]
      check(result?.result === 'fail', 'reported fail')
      check(result.result_detail.reason === 'interrupted', 'reason interrupted')
    },
  },
  {
    name: 'deliverCommands yields the agent events of each delivery and ends when its signal aborts',
    async run() {
      const sms = createFakeSms()
      sms.enqueue('srv-1', START('t1'), START('t2'))
      const process = testProcess(sms)
      const controller = new AbortController()
      const seen: string[] = []
      const loop = async () => {
        for await (const event of deliverCommands(process.client, 'srv-1', {
          ...process.base,
          journal: memoryJournal(),
          run: async () => ({ result: 'success', result_detail: {} }),
          signal: controller.signal,
        })) {
          seen.push(event.event)
          if (seen.filter((name) => name === 'report.acknowledged').length === 2) controller.abort()
        }
      }
      await process.drive(loop())
      check(sms.results.length === 2, 'two results')
      check(seen.includes('command.start') && seen.includes('agent.stopping'), seen.join())
    },
  },
]
