// Baseline for the agent benchmark: the least a poller can do on this runtime, a bare fetch loop
// against the same local mock (optionally pausing between polls), with none of the agent's
// validation, journal, retries or logging.
const [base, count, pauseMs = '0'] = process.argv.slice(2)
const url = `${base}/v3/sources/bench/command`
const pause = Number(pauseMs)
for (let index = 0; index < Number(count); index++) {
  const response = await fetch(url, { headers: { 'X-Auth-Token': 'bench-token' } })
  await response.text()
  if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause))
}
