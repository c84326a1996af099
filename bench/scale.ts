// Swarm size: HTTP ingest at 20, 1,000 and 10,000 agents, with the steps index and without it (the same run,
// interleaved), and the bytes of GET / and of the first SSE snapshot at each size; then an agent of 10,000 steps.
//   node_modules/.bin/bun bench/scale.ts [--events=60000] [--agents=20,1000,10000] [--rounds=2]
import { machineLayout } from '../src/inspector/machine-graph'
import { agentMachine } from '../src/machines/agent.machine'
import { dashboardMachine } from '../src/machines/dashboard.machine'
import { makeEvent, type Event } from '../src/protocol/event'
import { startTestServer } from '../test/support/server'
import { measureStepPages } from './steps-page'

const arg = (name: string, fallback: string) => Bun.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback
const EVENTS = Number(arg('events', '60000'))
const SIZES = arg('agents', '20,1000,10000').split(',').map(Number)
const ROUNDS = Number(arg('rounds', '3'))
const BATCH = 500
const T0 = 1_764_057_600_000

/** Every agent starts, then round-robin rounds: model responses, and tool calls called in one round and completed (by call_id) two rounds later. */
function workload(agents: number): Event[] {
  const events: Event[] = []
  for (let i = 0; i < agents; i++) events.push(makeEvent('agent', 'started', { id: `s-${i}`, timestamp: T0, agent_id: `agent-${i}`, graph_id: 'bench', payload: { name: `Agent ${i}` } }))
  for (let i = 0; events.length < EVENTS; i++) {
    const agent_id = `agent-${i % agents}`
    const round = Math.floor(i / agents)
    const timestamp = T0 + i
    if (round % 2 === 0) events.push(makeEvent('model', 'response', { id: `m-${i}`, timestamp, agent_id, payload: { model: 'm', tokens: 100 } }))
    else if (round % 4 === 1) events.push(makeEvent('tool', 'called', { id: `t-${i}`, timestamp, agent_id, payload: { tool: 'read_file', call_id: `c-${i}`, args: { path: `src/f${i % 97}.ts` } } }))
    else events.push(makeEvent('tool', 'completed', { id: `t-${i}`, timestamp, agent_id, payload: { tool: 'read_file', call_id: `c-${i - 2 * agents}`, result: 'ok' } }))
  }
  return events
}

/** Ingest rate of one run on a fresh server; with `steps` off the store skips the index. */
async function run(agents: number, steps: boolean) {
  const s = await startTestServer()
  s.store.steps.enabled = steps
  const events = workload(agents)
  // The inspector's diagrams are laid out once at start-up, in the background: not part of the ingest.
  await Promise.all([machineLayout(agentMachine), machineLayout(dashboardMachine)])
  // Encoding the agents' requests is the agents' work, not the server's: done before the clock starts.
  const bodies: string[] = []
  for (let i = 0; i < events.length; i += BATCH) bodies.push(JSON.stringify(events.slice(i, i + BATCH)))
  const started = performance.now()
  const cpu = process.cpuUsage()
  for (const body of bodies) {
    const res = await fetch(`${s.url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}`)
  }
  const rate = events.length / ((performance.now() - started) / 1000)
  // CPU time per event (server and the bench's own fetches, one process): steadier than the rate on a shared machine.
  const used = process.cpuUsage(cpu)
  const cpuUs = (used.user + used.system) / events.length
  const stepCount = s.store.steps.count('agent-0') * agents
  s.stream.flush()
  const page = (await (await fetch(s.url)).arrayBuffer()).byteLength
  const stream = await fetch(`${s.url}/events`)
  const reader = stream.body!.getReader()
  let snapshot = 0
  let text = ''
  while (!text.includes('datastar-patch-signals')) {
    const { value } = await reader.read()
    snapshot += value!.byteLength
    text = new TextDecoder().decode(value)
  }
  await reader.cancel()
  await s.stop()
  return { rate, cpuUs, page, snapshot, stepCount }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en')
const loadavg = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
console.log(`# swarm size (${EVENTS.toLocaleString('en')} events over HTTP in batches of ${BATCH}, durable store on; best of ${ROUNDS} interleaved rounds; load ${loadavg})\n`)
console.log('| agents | ingest events/s with steps | without the index | ratio | CPU µs/event with steps | without | ratio (CPU) | × the 20-agent rate | steps stored (about) | GET / bytes | first snapshot bytes |\n|---|---|---|---|---|---|---|---|---|---|---|')
let base: number | undefined
for (const agents of SIZES) {
  let on = { rate: 0, cpuUs: Infinity, page: 0, snapshot: 0, stepCount: 0 }
  let off = { rate: 0, cpuUs: Infinity }
  // Interleaved, so that a change in the machine's load falls on both alike; the best of each.
  for (let round = 0; round < ROUNDS; round++) {
    for (const steps of round % 2 === 0 ? [true, false] : [false, true]) {
      const r = await run(agents, steps)
      if (steps) on = { ...r, rate: Math.max(on.rate, r.rate), cpuUs: Math.min(on.cpuUs, r.cpuUs) }
      else off = { rate: Math.max(off.rate, r.rate), cpuUs: Math.min(off.cpuUs, r.cpuUs) }
    }
  }
  base ??= on.rate
  const cells = [agents, on.rate, off.rate].map(fmt)
  cells.push((on.rate / off.rate).toFixed(2), on.cpuUs.toFixed(1), off.cpuUs.toFixed(1), (off.cpuUs / on.cpuUs).toFixed(2), (on.rate / base).toFixed(2), fmt(on.stepCount), fmt(on.page), fmt(on.snapshot))
  console.log(`| ${cells.join(' | ')} |`)
}
await measureStepPages()
// elkjs (warmed when the app is built) keeps a timer alive after every server has stopped.
process.exit(0)
