// GET /runs/:graph_id/graph: a run's agents and depends_on edges as SVG (elkjs), escaped, live over SSE, bounded.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { MAX_GRAPH_NODES } from '../src/view-model/run-graph'
import { ids, routes } from '../src/views/targets'
import { readUntil, startTestServer, type TestServer } from './support/server'
import { sample, scrape } from './support/metrics'
import { post, until } from './support/http'

let s: TestServer
let n = 0
const HOSTILE = '</svg><script>alert(1)</script>'
const GRAPH = 'graph </svg><b>"g"</b>'
const ingest = async (body: unknown) => {
  const res = await fetch(post(`${s.url}/api/events`, body))
  expect(res.status).toBe(202)
}
const ev = (category: string, action: string, fields: Record<string, unknown> = {}) => ({ id: `rg-${++n}`, timestamp: Date.now(), category, action, payload: {}, ...fields })
const agentEv = (agent_id: string, action: string, graph_id = GRAPH) => ev('agent', action, { agent_id, graph_id })
const page = async (graphId: string) => {
  const res = await fetch(s.url + routes.runGraph(graphId))
  return { status: res.status, html: await res.text() }
}
const count = (html: string, needle: string) => html.split(needle).length - 1

// a → b → hostile, a → hostile, a → __proto__; `missing` is in no run and draws no edge; constructor stands alone.
const ROSTER = [
  { agent_id: 'a', name: 'Planner' },
  { agent_id: 'b', depends_on: ['a'] },
  { agent_id: HOSTILE, name: HOSTILE, depends_on: ['a', 'b', 'missing', HOSTILE] },
  { agent_id: '__proto__', depends_on: ['a', 'a'] },
  { agent_id: 'constructor' },
]

beforeAll(async () => {
  s = await startTestServer()
  await ingest([ev('graph', 'started', { graph_id: GRAPH, payload: { agents: ROSTER } }), agentEv('a', 'started')])
})
afterAll(() => s.stop())

describe('the run graph page', () => {
  it('draws one node per agent and one edge per dependency, every id and name escaped', async () => {
    const { status, html } = await page(GRAPH)
    expect(status).toBe(200)
    expect(count(html, 'class="rg-node ')).toBe(5)
    expect(count(html, 'class="rg-edge"')).toBe(4)
    expect(html).toContain(`id="${ids.runGraphNode('a')}" class="rg-node state-running"`)
    expect(html).toContain(`id="${ids.runGraphNode('__proto__')}" class="rg-node state-idle"`)
    expect(html).toContain(`href="${routes.agent(HOSTILE)}"`)
    expect(html).not.toContain('<script>alert')
    expect(html).not.toContain('<b>"g"')
    expect(html).toContain('&lt;/svg&gt;&lt;script&gt;')
    // live: the page follows the run over SSE
    expect(html).toContain(`data-on-load="@get('${routes.runGraphEvents(GRAPH)}')"`)
  })

  it('is linked from the runs list and the run page', async () => {
    const link = `href="${routes.runGraph(GRAPH).replace(/&/g, '&amp;')}"`
    expect(await (await fetch(`${s.url}/runs`)).text()).toContain(link)
    expect(await (await fetch(s.url + routes.runs(GRAPH))).text()).toContain(link)
  })

  it('sends only the nodes whose agents changed, in the same frame for all', async () => {
    const res = await fetch(s.url + routes.runGraphEvents(GRAPH))
    expect(res.status).toBe(200)
    const first = await readUntil(res, (t) => t.includes(ids.runGraph) && t.includes('\n\n'))
    expect(count(first, 'class="rg-node ')).toBe(5)
    await ingest([agentEv('b', 'started'), agentEv(HOSTILE, 'started'), agentEv(HOSTILE, 'failed')])
    // readUntil goes on from where the first one stopped: this is what came after the first frame.
    const patch = await readUntil(res, (t) => t.includes(`${ids.runGraphNode(HOSTILE)}" class="rg-node state-failed"`))
    expect(patch).toContain(`id="${ids.runGraphNode('b')}" class="rg-node state-running"`)
    expect(patch).not.toContain(ids.runGraphNode('a'))
    expect(patch).not.toContain(ids.runGraph + '"')
    expect(patch).not.toContain('<script>alert')
    await res.body!.cancel()
  })

  // Regression: the run graph's clients were counted as the dashboard's (a positional default on the hub)
  // and the nodes it broadcast were never counted as frame bytes.
  it('counts its clients and its frame bytes under stream="run-graph" in /metrics', async () => {
    const series = (stream: string) => ({ clients: `switchboard_sse_clients{stream="${stream}"}`, bytes: `switchboard_sse_frame_bytes_total{stream="${stream}"}` })
    const graph = series('run-graph')
    const dashboard = series('dashboard')
    // The earlier tests' streams are gone first: their disconnects would move the gauges meanwhile.
    await until('the earlier streams to be gone', () => s.hub.size === 0)
    const before = await scrape(s.url)
    const res = await fetch(s.url + routes.runGraphEvents(GRAPH))
    await readUntil(res, (t) => t.includes(ids.runGraph) && t.includes('\n\n'))
    const open = await scrape(s.url)
    expect(sample(open, graph.clients) - sample(before, graph.clients)).toBe(1)
    expect(sample(open, dashboard.clients)).toBe(sample(before, dashboard.clients))
    await ingest(agentEv('b', 'completed'))
    const patch = await readUntil(res, (t) => t.includes(`${ids.runGraphNode('b')}" class="rg-node state-done"`))
    const sent = await scrape(s.url)
    // The node's patch was broadcast, so counted, before the client could read it (heartbeats are not frames).
    const frames = patch.slice(0, patch.lastIndexOf('\n\n') + 2).replace(/^: heartbeat \d+\n\n/gm, '')
    expect(sample(sent, graph.bytes) - sample(open, graph.bytes)).toBeGreaterThanOrEqual(new TextEncoder().encode(frames).byteLength)
    expect(sample(sent, dashboard.bytes)).toBe(sample(open, dashboard.bytes))
    await res.body!.cancel()
    await until('the run graph client counted closed', async () => sample(await scrape(s.url), graph.clients) === sample(before, graph.clients))
  })

  it('draws a finished run from the stored events, without a stream', async () => {
    await ingest([agentEv('a', 'completed'), ev('graph', 'completed', { graph_id: GRAPH })])
    // A new run retires the ended one from the live dashboard.
    await ingest(ev('graph', 'started', { graph_id: 'next', payload: { agents: [{ agent_id: 'n1' }] } }))
    const { status, html } = await page(GRAPH)
    expect(status).toBe(200)
    expect(count(html, 'class="rg-node ')).toBe(5)
    expect(html).toContain(`id="${ids.runGraphNode('a')}" class="rg-node state-done"`)
    expect(html).toContain(`id="${ids.runGraphNode(HOSTILE)}" class="rg-node state-failed"`)
    expect(html).not.toContain('data-on-load')
    expect((await fetch(s.url + routes.runGraphEvents(GRAPH))).status).toBe(404)
  })

  it('says so, and links the paginated list, instead of drawing a run too large to read', async () => {
    const agents = Array.from({ length: MAX_GRAPH_NODES + 1 }, (_, i) => ({ agent_id: `big-${i}` }))
    await ingest(ev('graph', 'started', { graph_id: 'big', payload: { agents } }))
    const { status, html } = await page('big')
    expect(status).toBe(200)
    expect(html).toContain(`This run has ${MAX_GRAPH_NODES + 1} agents`)
    expect(html).toContain(`href="${routes.agents()}"`)
    expect(html).not.toContain('rg-node')
    expect((await fetch(s.url + routes.runGraphEvents('big'))).status).toBe(404)
  })

  it('answers 404 for an unknown run and 400 for an id that cannot be one', async () => {
    expect((await page('no-such-run')).status).toBe(404)
    expect((await fetch(`${s.url}/runs/a%0Ab/graph`)).status).toBe(400)
    expect((await fetch(`${s.url}/runs/a%0Ab/graph/events`)).status).toBe(400)
  })
})

describe('the run graph page of an agent named like its parts', () => {
  it('gives every element an id of its own (an agent `arrow` was the edges\' arrowhead `rg-arrow`)', async () => {
    await ingest(ev('graph', 'started', { graph_id: 'odd-names', payload: { agents: [{ agent_id: 'arrow' }, { agent_id: 'graph', depends_on: ['arrow'] }] } }))
    const { html } = await page('odd-names')
    const all = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]!)
    expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([])
  })
})
