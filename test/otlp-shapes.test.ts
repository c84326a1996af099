// What real frameworks export (test/fixtures/otel-shapes) mapped as one agent per agent however the exporter batches
// it: all in one export, a span per export (SimpleSpanProcessor), three spans per export (a BatchSpanProcessor's
// timer cutting a run), and split over a restart of the server on the same database.
import { afterAll, describe, expect, it } from 'bun:test'
import { post, until } from './support/http'
import { startTestServer, tempDb, type TestServer } from './support/server'
import { exportBody, loadShape, openaiAgentsShape, TOOL_ERROR, toOtlp, traceIdOf, type JsonSpan, type ShapeSpan } from './support/otel-shapes'

const servers: TestServer[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

type Mode = 'one export' | 'a span per export' | 'three spans per export' | 'split over a restart'
const MODES: Mode[] = ['one export', 'a span per export', 'three spans per export', 'split over a restart']

async function send(s: TestServer, spans: JsonSpan[]): Promise<void> {
  const res = await fetch(post(`${s.url}/v1/traces`, exportBody(spans)))
  expect(res.status).toBe(200)
  expect(await res.json()).toEqual({})
}

/** Export the spans as the mode batches them; returns the server that holds the result. */
async function exportAs(mode: Mode, spans: JsonSpan[]): Promise<TestServer> {
  const dbPath = tempDb()
  let s = await startTestServer({ dbPath })
  servers.push(s)
  if (mode === 'one export') await send(s, spans)
  const size = mode === 'a span per export' ? 1 : 3
  if (mode === 'a span per export' || mode === 'three spans per export') for (let i = 0; i < spans.length; i += size) await send(s, spans.slice(i, i + size))
  if (mode === 'split over a restart') {
    const half = Math.ceil(spans.length / 2)
    for (const span of spans.slice(0, half)) await send(s, [span])
    await s.bus.persisted()
    await s.stop()
    s = await startTestServer({ dbPath })
    servers.push(s)
    for (const span of spans.slice(half)) await send(s, [span])
  }
  await s.bus.persisted()
  return s
}

interface Seen {
  id: string
  name: string
  state: string
  turn: number
  tools: number
  models: number
  tokens: number
  error?: string
}

function agentsOf(s: TestServer, traceId: string): Seen[] {
  return [...s.dashboard.agents.values()]
    .map((a) => a.getSnapshot())
    .filter((snap) => snap.context.graph_id === traceId)
    .map(({ value, context: c }) => ({ id: c.agent_id, name: c.name, state: String(value), turn: c.turn, tools: c.tool_calls, models: c.model_calls, tokens: c.tokens, ...(c.error ? { error: c.error } : {}) }))
}

const stepsOf = (s: TestServer, agentId: string) => s.store.steps.page(agentId, {}).steps.map((x) => ({ kind: x.kind, name: x.name, status: x.status, error: x.error }))

/** The shape's runs, each its own trace (the pydantic-ai shape has no trace ids: a run is a root and what is under it). */
function byRoot(shape: ShapeSpan[]): (s: ShapeSpan) => string {
  const parents = new Map(shape.map((s) => [String(s.id), s.parent === null ? null : String(s.parent)]))
  return (s) => {
    let at = String(s.id)
    while (parents.get(at)) at = parents.get(at)!
    return traceIdOf(BigInt(at).toString(16))
  }
}

describe.each(MODES)('pydantic-ai (%s)', (mode) => {
  it('each run is one agent with its two tools, two model calls and tokens; the failed one fails with the exception', async () => {
    const shape = loadShape('pydantic-ai.spans.json')
    const traceOf = byRoot(shape)
    const s = await exportAs(mode, toOtlp(shape, traceOf))
    const runs = [...new Set(shape.map(traceOf))]
    expect(runs.length).toBe(5)
    for (const [i, run] of runs.entries()) {
      const agents = agentsOf(s, run)
      const failed = i === runs.length - 1
      expect(agents).toEqual([
        { id: `otel:${run}`, name: 'inventory-bot', state: failed ? 'failed' : 'done', turn: 1, tools: 2, models: failed ? 1 : 2, tokens: failed ? 70 : 148, ...(failed ? { error: `ValueError: ${TOOL_ERROR}` } : {}) },
      ])
      if (failed) expect(stepsOf(s, `otel:${run}`).find((x) => x.name === 'lookup')).toEqual({ kind: 'tool', name: 'lookup', status: 'error', error: `ValueError: ${TOOL_ERROR}` })
    }
  })
})

describe.each(MODES)('LangGraph create_react_agent + OpenInference (%s)', (mode) => {
  it("the repeated `agent` node is one agent with a turn per step, the tools node's call on it; the failed run fails with its error", async () => {
    const shape = loadShape('langgraph-react-openinference.spans.json')
    const s = await exportAs(mode, toOtlp(shape, (x) => traceIdOf(x.trace!)))
    const ok = agentsOf(s, traceIdOf('a7f911da'))
    expect(ok).toEqual([{ id: `otel:${traceIdOf('a7f911da')}`, name: 'agent (shop-service)', state: 'done', turn: 2, tools: 1, models: 2, tokens: 74 }])
    // (in the order they arrived: a span per export, the tool is known to be the agent's only when the root comes)
    expect(stepsOf(s, ok[0]!.id).map((x) => `${x.kind}:${x.name}:${x.status}`).sort()).toEqual(['model:fake-chat:ok', 'model:fake-chat:ok', 'tool:lookup:ok'])
    const failed = agentsOf(s, traceIdOf('94ea2ab4'))
    expect(failed).toEqual([{ id: `otel:${traceIdOf('94ea2ab4')}`, name: 'agent (shop-service)', state: 'failed', turn: expect.any(Number), tools: 1, models: 1, tokens: 37, error: `ValueError: ${TOOL_ERROR}` }])
    expect(stepsOf(s, failed[0]!.id).find((x) => x.kind === 'tool')).toEqual({ kind: 'tool', name: 'lookup', status: 'error', error: `ValueError: ${TOOL_ERROR}` })
  })
})

describe.each(MODES)('LangGraph StateGraph, no agent span (%s)', (mode) => {
  it('is one agent named after the root span and the service, ending and failing with the root', async () => {
    const shape = loadShape('langgraph-stategraph-openinference.spans.json')
    const s = await exportAs(mode, toOtlp(shape, (x) => traceIdOf(x.trace!)))
    const ok = agentsOf(s, traceIdOf('a51411cd'))
    expect(ok).toEqual([{ id: `otel:${traceIdOf('a51411cd')}`, name: 'triage (shop-service)', state: 'done', turn: 1, tools: 1, models: 2, tokens: 74 }])
    const failed = agentsOf(s, traceIdOf('a0f0e356'))
    expect(failed).toEqual([{ id: `otel:${traceIdOf('a0f0e356')}`, name: 'triage (shop-service)', state: 'failed', turn: 1, tools: 1, models: 1, tokens: 37, error: `ValueError: ${TOOL_ERROR}` }])
  })
})

describe.each(MODES)('openai-agents + OpenInference (%s)', (mode) => {
  it('"Agent workflow" is the run, not an agent; a handoff is two agents, each with its own work', async () => {
    const single = openaiAgentsShape([{ name: 'Assistant', tools: ['get_weather'] }], '0a1')
    const handoff = openaiAgentsShape([{ name: 'Triage', tools: [] }, { name: 'Billing', tools: ['refund', 'email'] }], '0b2')
    const s = await exportAs(mode, [...toOtlp(single, () => traceIdOf('0a1')), ...toOtlp(handoff, () => traceIdOf('0b2'))])
    expect(agentsOf(s, traceIdOf('0a1'))).toEqual([{ id: `otel:${traceIdOf('0a1')}`, name: 'Assistant', state: 'done', turn: 1, tools: 1, models: 1, tokens: 37 }])
    const two = agentsOf(s, traceIdOf('0b2'))
    expect(two.map((a) => [a.name, a.state, a.tools, a.models])).toEqual([
      ['Triage', 'done', 0, 1],
      ['Billing', 'done', 2, 1],
    ])
    expect(two.some((a) => a.name.startsWith('otel:'))).toBe(false)
  })
})

describe('the trace index', () => {
  it('holds work whose agent span is still to come, and gives it to that agent when it arrives', async () => {
    const handoff = toOtlp(openaiAgentsShape([{ name: 'Triage', tools: [] }, { name: 'Billing', tools: ['refund'] }], '0c3'), () => traceIdOf('0c3'))
    const s = await exportAs('one export', handoff.slice(0, 3))
    // Triage arrived; Billing's generation and refund are not Triage's: they wait, shown nowhere yet.
    await send(s, handoff.slice(3, 5))
    expect(agentsOf(s, traceIdOf('0c3')).map((a) => [a.name, a.models, a.tools])).toEqual([['Triage', 1, 0]])
    expect(s.spans?.index.get(traceIdOf('0c3'))?.held.size).toBe(2)
    const held = async () => /^switchboard_otlp_spans_held (\d+)$/m.exec(await (await fetch(`${s.url}/metrics`)).text())?.[1]
    expect(await held()).toBe('2')
    await send(s, handoff.slice(5))
    await until('Billing has its work', () => agentsOf(s, traceIdOf('0c3')).find((a) => a.name === 'Billing')?.tools === 1)
    expect(s.spans?.index.get(traceIdOf('0c3'))?.held.size).toBe(0)
    expect(await held()).toBe('0')
  })
})

describe('a question asked from inside a traced run (traceparent)', () => {
  it('belongs to the agent the run’s spans make: one agent, blocked, its card in the run; a bad traceparent is a 400 naming it', async () => {
    const shape = loadShape('langgraph-stategraph-openinference.spans.json').filter((x) => x.trace === 'a51411cd')
    const spans = toOtlp(shape, () => traceIdOf('a51411cd'))
    const s = await exportAs('a span per export', spans.slice(0, 3))
    const run = traceIdOf('a51411cd')
    const ask = (body: Record<string, unknown>) => fetch(post(`${s.url}/api/questions`, { question: 'Ship the report?', kind: 'approval', ...body }))
    const res = await ask({ traceparent: `00-${run}-${spans[2]!.spanId}-01` })
    expect(res.status).toBe(201)
    await s.bus.persisted()
    expect(agentsOf(s, run).map((a) => [a.id, a.state])).toEqual([[`otel:${run}`, 'blocked']])
    for (const bad of ['00-xyz', `ff-${run}-${spans[2]!.spanId}-01`, `00-${'0'.repeat(32)}-${spans[2]!.spanId}-01`, 42])
      expect([bad, (await ask({ traceparent: bad })).status, ((await (await ask({ traceparent: bad })).json()) as { field?: string }).field]).toEqual([bad, 400, 'traceparent'])
  })
})
