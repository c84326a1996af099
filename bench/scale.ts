// Swarm size: HTTP ingest at 20, 1,000 and 10,000 agents, and the bytes of GET / and of the first SSE
// snapshot at each size, side by side in one run.
//   node_modules/.bin/bun bench/scale.ts [--events=60000] [--agents=20,1000,10000]
import { machineLayout } from '../src/inspector/machine-graph'
import { agentMachine } from '../src/machines/agent.machine'
import { dashboardMachine } from '../src/machines/dashboard.machine'
import { makeEvent, type Event } from '../src/protocol/event'
import { startTestServer } from '../test/support/server'

const arg = (name: string, fallback: string) => Bun.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback
const EVENTS = Number(arg('events', '60000'))
const SIZES = arg('agents', '20,1000,10000').split(',').map(Number)
const BATCH = 500
const T0 = 1_764_057_600_000

/** Every agent starts, then tool and model traffic round-robin across them; a third complete. */
function workload(agents: number): Event[] {
  const events: Event[] = []
  for (let i = 0; i < agents; i++) events.push(makeEvent('agent', 'started', { id: `s-${i}`, timestamp: T0, agent_id: `agent-${i}`, graph_id: 'bench', payload: { name: `Agent ${i}` } }))
  for (let i = 0; events.length < EVENTS; i++) {
    const agent_id = `agent-${i % agents}`
    events.push(
      i % 2
        ? makeEvent('tool', 'called', { id: `t-${i}`, timestamp: T0 + i, agent_id, payload: { tool: 'read_file' } })
        : makeEvent('model', 'response', { id: `m-${i}`, timestamp: T0 + i, agent_id, payload: { model: 'm', tokens: 100 } }),
    )
  }
  return events
}

const loadavg = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
console.log(`# swarm size (${EVENTS.toLocaleString('en')} events over HTTP in batches of ${BATCH}, durable store on; load ${loadavg})\n`)
console.log('| agents | ingest events/s | × the 20-agent rate | GET / bytes | first snapshot bytes |\n|---|---|---|---|---|')
let base: number | undefined
for (const agents of SIZES) {
  const s = await startTestServer()
  const events = workload(agents)
  // The inspector's diagrams are laid out once at start-up, in the background: not part of the ingest.
  await Promise.all([machineLayout(agentMachine), machineLayout(dashboardMachine)])
  // Encoding the agents' requests is the agents' work, not the server's: done before the clock starts.
  const bodies: string[] = []
  for (let i = 0; i < events.length; i += BATCH) bodies.push(JSON.stringify(events.slice(i, i + BATCH)))
  const started = performance.now()
  for (const body of bodies) {
    const res = await fetch(`${s.url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}`)
  }
  const rate = events.length / ((performance.now() - started) / 1000)
  base ??= rate
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
  console.log(`| ${agents.toLocaleString('en')} | ${Math.round(rate).toLocaleString('en')} | ${(rate / base).toFixed(2)} | ${page.toLocaleString('en')} | ${snapshot.toLocaleString('en')} |`)
  await s.stop()
}
// elkjs (warmed when the app is built) keeps a timer alive after every server has stopped.
process.exit(0)
