// Inspector costs: elk layout time of the agent machine (cold and warm) and the weight of an agent's inspector page.
import { layoutMachine } from '../src/inspector/machine-graph'
import { agentMachine } from '../src/machines/agent.machine'
import { routes } from '../src/views/targets'
import { startTestServer } from '../test/support/server'

const cold = await layoutMachine(agentMachine)
const warm: number[] = []
for (let i = 0; i < 5; i++) warm.push((await layoutMachine(agentMachine)).layoutMs)
console.log(`agent machine layout (elk): cold ${cold.layoutMs.toFixed(0)} ms, warm median ${warm.sort((a, b) => a - b)[2]!.toFixed(1)} ms; ${cold.states.length} states, ${cold.edges.length} edges, ${Math.round(cold.width)}×${Math.round(cold.height)} px`)

const server = await startTestServer()
const events = [
  { category: 'agent', action: 'started' },
  ...Array.from({ length: 40 }, (_, i) => ({ category: i % 2 ? 'model' : 'tool', action: i % 2 ? 'request' : 'called', payload: { tool: 'grep', tokens: 100 } })),
  { category: 'agent', action: 'blocked', payload: { msg_id: 'bench-q', question: 'Proceed?' } },
].map((e, i) => ({ payload: {}, ...e, id: `bench-${i}`, timestamp: Date.now(), agent_id: 'bench-agent' }))
await fetch(`${server.url}${routes.ingest}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) })
for (const path of [routes.inspect('bench-agent'), routes.inspect(), routes.inspectRoot]) {
  const body = await (await fetch(server.url + path)).arrayBuffer()
  const gz = Bun.gzipSync(new Uint8Array(body)).byteLength
  console.log(`${path}: ${body.byteLength} bytes (${gz} gzipped)`)
}
const svg = (await (await fetch(server.url + routes.inspect('bench-agent'))).text()).match(/<svg[\s\S]*<\/svg>/)?.[0] ?? ''
console.log(`  of which the SVG diagram: ${svg.length} bytes`)
await server.stop()
// elk's bundled worker shim keeps the event loop alive.
process.exit(0)
