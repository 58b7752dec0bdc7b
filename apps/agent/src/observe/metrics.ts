import { isKnownCommand } from '@sms-command/core'

/** Outcome of one poll. */
export type PollOutcome = 'command' | 'idle' | 'error'

/**
 * The agent's counters and gauges, rendered as OpenMetrics text for `/metrics`. Label values are
 * bounded: an unknown command name is counted as `other`, an error without status by its kind.
 *
 * @example
 * const metrics = new AgentMetrics()
 * metrics.countPoll('idle')
 * metrics.render() // '# TYPE sms_agent_polls counter\n…# EOF\n'
 */
export class AgentMetrics {
  private readonly polls = new Map<PollOutcome, number>()
  private readonly pollErrors = new Map<string, number>()
  private readonly commands = new Map<string, number>()
  private readonly reports = new Map<string, number>()
  private readonly reportErrors = new Map<string, number>()
  private readonly startsDeferred = new Map<string, number>()
  /** Failed tries to listen on the status port (counted while it is down, shown once it is up). */
  statusUnavailable = 0
  /** Output streams whose reader went away (`| head -1`, a hung-up terminal). */
  readonly closedOutputs = new Set<string>()
  backoffMs = 0
  outboxSize = 0
  handlerRunning = false
  lastSuccessfulPollAt: number | undefined
  /** SMS's clock minus this machine's, in ms, once measured (from a `Date` header or a 401). */
  clockOffsetMs: number | undefined
  readonly startedAt: number
  /** Called before each render, to read gauges that live elsewhere (the loop's outbox). */
  sampleGauges: (() => void) | undefined

  constructor(now: number = Date.now()) {
    this.startedAt = now
  }

  countPoll(outcome: PollOutcome, errorStatus?: string): void {
    bump(this.polls, outcome)
    if (outcome === 'error') bump(this.pollErrors, errorStatus ?? 'unknown')
  }

  countCommand(name: string, result: 'success' | 'fail'): void {
    bump(this.commands, `${commandLabel(name)}\u0000${result}`)
  }

  countReport(outcome: string): void {
    bump(this.reports, outcome)
  }

  countReportError(status: string): void {
    bump(this.reportErrors, status)
  }

  /** A handler start put off because of `problem` (crlf, no-exec-bit, busy, …). */
  countStartDeferred(problem: string): void {
    bump(this.startsDeferred, problem)
  }

  /** Total polls so far. */
  get pollCount(): number {
    let total = 0
    for (const count of this.polls.values()) total += count
    return total
  }

  /** The OpenMetrics 1.0 exposition, ending with `# EOF`. */
  render(): string {
    this.sampleGauges?.()
    const lines: string[] = []
    const family = (name: string, type: string, help: string) => {
      lines.push(`# TYPE ${name} ${type}`, `# HELP ${name} ${help}`)
    }
    family('sms_agent_polls', 'counter', 'Polls of GET /command by outcome.')
    for (const outcome of ['command', 'idle', 'error'] as const) {
      lines.push(`sms_agent_polls_total{outcome="${outcome}"} ${this.polls.get(outcome) ?? 0}`)
    }
    family('sms_agent_poll_errors', 'counter', 'Failed polls by HTTP status or failure kind.')
    for (const [status, count] of sorted(this.pollErrors)) {
      lines.push(`sms_agent_poll_errors_total{status="${escapeLabel(status)}"} ${count}`)
    }
    family('sms_agent_commands', 'counter', 'Commands handled, by name and result.')
    for (const [key, count] of sorted(this.commands)) {
      const [name, result] = key.split('\u0000') as [string, string]
      lines.push(
        `sms_agent_commands_total{command="${escapeLabel(name)}",result="${result}"} ${count}`,
      )
    }
    family('sms_agent_reports', 'counter', 'Result reports settled, by outcome.')
    for (const [outcome, count] of sorted(this.reports)) {
      lines.push(`sms_agent_reports_total{outcome="${escapeLabel(outcome)}"} ${count}`)
    }
    family('sms_agent_report_errors', 'counter', 'Failed report attempts by status or kind.')
    for (const [status, count] of sorted(this.reportErrors)) {
      lines.push(`sms_agent_report_errors_total{status="${escapeLabel(status)}"} ${count}`)
    }
    family(
      'sms_agent_handler_start_deferred',
      'counter',
      'Handler starts put off (and tried again) by what is wrong with the file.',
    )
    for (const [problem, count] of sorted(this.startsDeferred)) {
      lines.push(
        `sms_agent_handler_start_deferred_total{problem="${escapeLabel(problem)}"} ${count}`,
      )
    }
    family(
      'sms_agent_status_unavailable',
      'counter',
      'Failed tries to listen on the status port (polling went on).',
    )
    lines.push(`sms_agent_status_unavailable_total ${this.statusUnavailable}`)
    family('sms_agent_output_closed', 'gauge', '1 for an output stream whose reader went away.')
    for (const stream of ['stdout', 'stderr']) {
      lines.push(
        `sms_agent_output_closed{stream="${stream}"} ${this.closedOutputs.has(stream) ? 1 : 0}`,
      )
    }
    family('sms_agent_backoff_seconds', 'gauge', 'Current backoff before the next request.')
    lines.push(`sms_agent_backoff_seconds ${seconds(this.backoffMs)}`)
    family('sms_agent_outbox_size', 'gauge', 'Results waiting to be reported.')
    lines.push(`sms_agent_outbox_size ${this.outboxSize}`)
    family('sms_agent_handler_running', 'gauge', '1 while a handler runs.')
    lines.push(`sms_agent_handler_running ${this.handlerRunning ? 1 : 0}`)
    family(
      'sms_agent_last_successful_poll_timestamp_seconds',
      'gauge',
      'Unix time of the last poll SMS answered.',
    )
    if (this.lastSuccessfulPollAt !== undefined) {
      lines.push(
        `sms_agent_last_successful_poll_timestamp_seconds ${seconds(this.lastSuccessfulPollAt)}`,
      )
    }
    family(
      'sms_agent_clock_offset_seconds',
      'gauge',
      "SMS's clock minus this machine's clock (positive: this clock is behind).",
    )
    if (this.clockOffsetMs !== undefined) {
      lines.push(`sms_agent_clock_offset_seconds ${seconds(this.clockOffsetMs)}`)
    }
    family('sms_agent_start_timestamp_seconds', 'gauge', 'Unix time the agent started.')
    lines.push(`sms_agent_start_timestamp_seconds ${seconds(this.startedAt)}`)
    lines.push('# EOF')
    return `${lines.join('\n')}\n`
  }
}

function bump<K>(map: Map<K, number>, key: K) {
  map.set(key, (map.get(key) ?? 0) + 1)
}

function sorted(map: Map<string, number>): [string, number][] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

function seconds(ms: number): string {
  return String(ms / 1000)
}

/** A known command keeps its name; anything else is `other`, so labels stay few. */
function commandLabel(name: string): string {
  return isKnownCommand(name) ? name : 'other'
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}
