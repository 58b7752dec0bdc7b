import { isKnownCommand } from '@sms-command/core'
import { VERSION } from '../version.ts'

/** Outcome of one poll. */
export type PollOutcome = 'command' | 'idle' | 'error'

/**
 * The SMS endpoint a request went to, as the latency histogram labels it: `command` is
 * `GET /v3/sources/{id}/command` (the poll), `command_result` the result report's POST.
 */
export type Endpoint = 'command' | 'command_result'

/** What `sms_agent_build_info` says about this agent (its labels). */
export interface BuildInfo {
  /** The agent's version (package.json). */
  version: string
  /** `node`, `bun` or `deno`. */
  runtime?: string
  /** The runtime's own version, e.g. `24.11.0`. */
  runtimeVersion?: string
}

/**
 * Upper bounds of the request-latency buckets, in seconds: from a LAN mock (a few ms) to a
 * request near the default 30 s deadline.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
]

/** One endpoint's histogram: a count per bucket (not cumulative), the total and the sum. */
interface Histogram {
  buckets: number[]
  count: number
  sumSeconds: number
}

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
  private readonly latency = new Map<Endpoint, Histogram>()
  /** The labels of `sms_agent_build_info`. */
  readonly build: BuildInfo
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

  constructor(now: number = Date.now(), build: BuildInfo = { version: VERSION }) {
    this.startedAt = now
    this.build = build
  }

  /** A request to `endpoint` that took `ms` milliseconds (answered or not). */
  observeLatency(endpoint: Endpoint, ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return
    let histogram = this.latency.get(endpoint)
    if (!histogram) {
      histogram = { buckets: LATENCY_BUCKETS_SECONDS.map(() => 0), count: 0, sumSeconds: 0 }
      this.latency.set(endpoint, histogram)
    }
    const value = ms / 1000
    const index = LATENCY_BUCKETS_SECONDS.findIndex((bound) => value <= bound)
    if (index >= 0) histogram.buckets[index] = (histogram.buckets[index] ?? 0) + 1
    histogram.count++
    histogram.sumSeconds += value
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
    // OpenMetrics' info type: the family is `sms_agent_build`, its one sample `…_info` = 1.
    family('sms_agent_build', 'info', 'The agent version and the runtime it runs on.')
    const build = [
      `version="${escapeLabel(this.build.version)}"`,
      ...(this.build.runtime ? [`runtime="${escapeLabel(this.build.runtime)}"`] : []),
      ...(this.build.runtimeVersion
        ? [`runtime_version="${escapeLabel(this.build.runtimeVersion)}"`]
        : []),
    ]
    lines.push(`sms_agent_build_info{${build.join(',')}} 1`)
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
    const latency = 'sms_agent_request_duration_seconds'
    lines.push(`# TYPE ${latency} histogram`, `# UNIT ${latency} seconds`)
    lines.push(
      `# HELP ${latency} Time from sending a request to SMS to its answer or failure, by endpoint.`,
    )
    for (const [endpoint, histogram] of [...this.latency.entries()].sort(([a], [b]) =>
      a < b ? -1 : 1,
    )) {
      let cumulative = 0
      LATENCY_BUCKETS_SECONDS.forEach((bound, index) => {
        cumulative += histogram.buckets[index] ?? 0
        lines.push(`${latency}_bucket{endpoint="${endpoint}",le="${float(bound)}"} ${cumulative}`)
      })
      lines.push(`${latency}_bucket{endpoint="${endpoint}",le="+Inf"} ${histogram.count}`)
      lines.push(`${latency}_count{endpoint="${endpoint}"} ${histogram.count}`)
      lines.push(`${latency}_sum{endpoint="${endpoint}"} ${float(histogram.sumSeconds)}`)
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

/** A float as OpenMetrics writes one: `1.0`, not `1` (bucket bounds, sums). */
function float(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value)
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
