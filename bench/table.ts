// The bench's printed report: one row per server per scenario, Switchboard directly above its baseline.
import type { ScenarioOptions, ScenarioResult } from './scenario'
import { loadavg } from 'node:os'
import { fmt } from './stats'

const COLUMNS: Array<[string, (r: ScenarioResult) => string]> = [
  ['clients', (r) => String(r.clients)],
  ['publish', (r) => (r.paced ? `${r.rate}/s (its pace)` : r.rate ? `${r.rate}/s` : 'flat out')],
  ['server', (r) => (r.server === 'switchboard' ? 'switchboard' : 'raw Bun.serve')],
  ['ingest ev/s', (r) => fmt(r.ingestPerSec)],
  ['flushes', (r) => String(r.broadcasts)],
  ['renders', (r) => (r.renders === undefined ? '-' : String(r.renders))],
  ['frame B', (r) => fmt(r.frameBytes)],
  ['sse ev/s/client', (r) => fmt(r.eventsPerClientPerSec)],
  ['KB/s/client', (r) => fmt(r.kbPerClientPerSec)],
  ['p50 ms', (r) => fmt(r.latency.p50, 1)],
  ['p99 ms', (r) => fmt(r.latency.p99, 1)],
  ['max ms', (r) => fmt(r.latency.max, 1)],
  ['probes seen', (r) => `${r.latency.samples}/${r.latency.expected}`],
  ['RSS MB before→after (peak)', (r) => `${fmt(r.rssMb.before)}→${fmt(r.rssMb.after)} (${fmt(r.rssMb.peak)})`],
  ['dropped', (r) => String(r.dropped) + (r.timedOut ? ' TIMEOUT' : '')],
]

export function printTable(results: readonly ScenarioResult[], o: ScenarioOptions): void {
  const rows = results.map((r) => COLUMNS.map(([, cell]) => cell(r)))
  const widths = COLUMNS.map(([head], i) => Math.max(head.length, ...rows.map((row) => row[i].length)))
  const line = (cells: string[]) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log(`\n${o.events} events (${o.agents} agents, a probe every ${o.probeEvery}), loopback, flush window 50 ms, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)
  console.log(line(COLUMNS.map(([head]) => head)))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  results.forEach((r, i) => {
    console.log(line(rows[i]))
    if (r.server === 'baseline' && results[i + 1]?.server !== 'baseline') console.log('')
  })
}
