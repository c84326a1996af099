// What an agent costs in memory: N distinct agents ingested over the real app (durable store on), the process's
// RSS and JS heap after a full GC against the same process just before (the baseline), per agent; each case in
// a fresh process, so one case's freed pages do not hide the next one's. With --max-agents the cap is on.
//   node_modules/.bin/bun bench/agents-memory.ts [--agents=10000,50000] [--max-agents=10000] [--shape=ended,working]
import { heapStats } from 'bun:jsc'
import { flag, listFlag } from './args'
import { makeEvent, type Event } from '../src/protocol/event'
import { startTestServer } from '../test/support/server'

const BATCH = 500
const T0 = 1_764_057_600_000
type Shape = 'ended' | 'working'

/** `ended`: started, one tool call, completed; `working`: started and one tool call, never ended. */
function eventsOf(i: number, shape: Shape): Event[] {
  const base = { timestamp: T0 + i, agent_id: `agent-${i}-${'x'.repeat(12)}`, graph_id: `run-${Math.floor(i / 100)}` }
  const events = [
    makeEvent('agent', 'started', { ...base, id: `s-${i}`, payload: { name: `Agent number ${i}` } }),
    makeEvent('tool', 'called', { ...base, id: `t-${i}`, payload: { tool: 'read_file', args: { path: `src/f${i % 97}.py` } } }),
  ]
  if (shape === 'ended') events.push(makeEvent('agent', 'completed', { ...base, id: `c-${i}`, payload: { result: `done ${i}` } }))
  return events
}

function memory() {
  Bun.gc(true)
  Bun.gc(true)
  return { rss: process.memoryUsage().rss, heap: heapStats().heapSize }
}

/** One case, in this process: prints one JSON line. */
async function runCase(agents: number, shape: Shape, maxAgents: number) {
  const s = await startTestServer({ listen: false, maxAgents })
  const post = (events: Event[]) =>
    s.app.handle(new Request('http://localhost/api/events', { method: 'POST', headers: { host: 'localhost', 'content-type': 'application/json' }, body: JSON.stringify(events) }))
  // Warm the paths (JIT, the first render, SQLite's statements) before the baseline, with agents of their own.
  for (let w = 0; w < 4; w++) await post(Array.from({ length: 50 }, (_, i) => eventsOf(-1 - w * 50 - i, shape)).flat())
  await s.bus.persisted()
  s.view.current()
  const before = memory()
  const started = performance.now()
  let batch: Event[] = []
  for (let i = 0; i < agents; i++) {
    batch.push(...eventsOf(i, shape))
    if (batch.length >= BATCH || i === agents - 1) {
      const res = await post(batch)
      if (res.status !== 202) throw new Error(`ingest answered ${res.status}: ${await res.text()}`)
      batch = []
    }
  }
  await s.bus.persisted()
  s.view.current()
  const seconds = (performance.now() - started) / 1000
  const after = memory()
  const inMemory = s.dashboard.agents.size
  if (s.dashboard.agents.maxAgents !== maxAgents) throw new Error(`the roster got cap ${s.dashboard.agents.maxAgents}`)
  console.log(JSON.stringify({ agents, shape, maxAgents, inMemory, seconds, rss: after.rss - before.rss, heap: after.heap - before.heap, baseRss: before.rss }))
  await s.stop()
}

const caseFlag = flag('case')
if (caseFlag !== undefined) {
  const [agents, shape, max] = caseFlag.split(':')
  // No cap at all (not the setting's default), to measure what an agent costs.
  await runCase(Number(agents), shape as Shape, max ? Number(max) : Number.MAX_SAFE_INTEGER)
  process.exit(0)
}

const sizes = listFlag('agents', [10_000, 50_000])
const shapes = (flag('shape') ?? 'ended,working').split(',') as Shape[]
const cap = flag('max-agents')
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0)
const kb = (bytes: number) => (bytes / 1024).toFixed(1)
const loadavg = (await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')
console.log(`# memory per agent (each case a fresh process; durable store on; after a full GC; load ${loadavg})\n`)
console.log('| agents | shape | SWITCHBOARD_MAX_AGENTS | in memory | baseline RSS MB | + RSS MB | + heap MB | RSS KB/agent | heap KB/agent | ingest s |')
console.log('|---|---|---|---|---|---|---|---|---|---|')
for (const shape of shapes)
  for (const agents of sizes)
    for (const max of cap === undefined ? [undefined] : [undefined, Number(cap)]) {
      const proc = Bun.spawnSync([process.execPath, import.meta.path, `--case=${agents}:${shape}:${max ?? ''}`], { stdout: 'pipe', stderr: 'inherit' })
      const line = proc.stdout.toString().trim().split('\n').at(-1)!
      const r = JSON.parse(line) as { inMemory: number; seconds: number; rss: number; heap: number; baseRss: number }
      console.log(`| ${agents.toLocaleString('en')} | ${shape} | ${max ?? 'off'} | ${r.inMemory.toLocaleString('en')} | ${mb(r.baseRss)} | ${mb(r.rss)} | ${mb(r.heap)} | ${kb(r.rss / agents)} | ${kb(r.heap / agents)} | ${r.seconds.toFixed(1)} |`)
    }
process.exit(0)
