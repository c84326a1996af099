// The "no Switchboard code" path with real frameworks: each traced by its own OpenTelemetry instrumentation and
// exported to a real Switchboard over OTLP/HTTP, with a simple span processor (a span per export) and a batch one
// exporting every 50 ms (a run split over exports). Each run: one agent per agent, named as the framework names it,
// its tools, model calls and tokens on it, done or failed as it ended, the error text shown.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { startTestServer, type TestServer } from './support/server'
import { aiSdk, langGraph, openaiAgents, SERVICE, TOOL_ERROR, tracing, untrace, type Processor } from './support/otel-frameworks'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer()
})
afterAll(async () => {
  untrace()
  await s.stop()
})

interface Seen {
  name: string
  state: string
  tools: number
  models: number
  tokens: number
  error?: string
}

/** The agents of a run (graph_id: its trace id), as the dashboard holds them. */
async function agentsOf(traceId: string): Promise<Seen[]> {
  await s.bus.persisted()
  return [...s.dashboard.agents.values()]
    .map((a) => a.getSnapshot())
    .filter((snap) => snap.context.graph_id === traceId)
    .map(({ value, context: c }) => ({ name: c.name, state: String(value), tools: c.tool_calls, models: c.model_calls, tokens: c.tokens, ...(c.error ? { error: c.error } : {}) }))
}

async function traced(processor: Processor, work: (provider: ReturnType<typeof tracing>['provider']) => Promise<void>): Promise<string> {
  const t = tracing(s.url, processor)
  await work(t.provider)
  const traces = await t.done()
  expect(traces.length).toBe(1)
  return traces[0]!
}

const stepsOf = (agentId: string) => s.store.steps.page(agentId, {}).steps.map((x) => ({ kind: x.kind, name: x.name, status: x.status, input: x.input, output: x.output, error: x.error }))

describe.each<Processor>(['simple', 'batch'])('the Vercel AI SDK with @ai-sdk/otel (%s processor)', (processor) => {
  it('is one agent named by its functionId with its tool call (arguments, result), two model calls and their tokens', async () => {
    const run = await traced(processor, (p) => aiSdk(p, 'ok'))
    expect(await agentsOf(run)).toEqual([{ name: 'weather-agent', state: 'done', tools: 1, models: 2, tokens: 30 }])
    const tool = stepsOf(`otel:${run}`).find((x) => x.kind === 'tool')
    expect(tool).toMatchObject({ name: 'weather', status: 'ok' })
    expect(tool?.input).toContain('Paris')
    expect(tool?.output).toContain('72')
  })

  it('shows a failing tool’s error on its step, and a model that throws fails the agent with its message', async () => {
    const toolFails = await traced(processor, (p) => aiSdk(p, 'tool-fails'))
    expect(stepsOf(`otel:${toolFails}`).find((x) => x.kind === 'tool')).toMatchObject({ name: 'weather', status: 'error', error: expect.stringContaining('weather service down') })
    const modelFails = await traced(processor, (p) => aiSdk(p, 'model-fails'))
    const [agent] = await agentsOf(modelFails)
    expect(agent).toMatchObject({ name: 'weather-agent', state: 'failed', error: expect.stringContaining('model overloaded') })
  })
})

describe.each<Processor>(['simple', 'batch'])('LangGraph.js with OpenInference (%s processor)', (processor) => {
  it('a react agent (no AGENT span in JS) is one agent named after the graph and the service, its lookup and model calls on it', async () => {
    const run = await traced(processor, (p) => langGraph(p, 'react', false))
    expect(await agentsOf(run)).toEqual([{ name: `LangGraph (${SERVICE})`, state: 'done', tools: 1, models: 2, tokens: 74 }])
    expect(stepsOf(`otel:${run}`).filter((x) => x.kind === 'tool').map((x) => [x.name, x.status])).toEqual([['lookup', 'ok']])
  })

  it('a StateGraph is one agent named after its root span; a failing tool node fails it with the error', async () => {
    const ok = await traced(processor, (p) => langGraph(p, 'graph', false))
    expect(await agentsOf(ok)).toEqual([{ name: `triage (${SERVICE})`, state: 'done', tools: 1, models: 2, tokens: 74 }])
    const failed = await traced(processor, (p) => langGraph(p, 'graph', true))
    const agents = await agentsOf(failed)
    expect(agents).toEqual([{ name: `triage (${SERVICE})`, state: 'failed', tools: 1, models: 1, tokens: 37, error: expect.stringContaining(TOOL_ERROR) }])
    expect(stepsOf(`otel:${failed}`).find((x) => x.kind === 'tool')).toMatchObject({ name: 'lookup', status: 'error', error: expect.stringContaining(TOOL_ERROR) })
  })
})

describe.each<Processor>(['simple', 'batch'])('@openai/agents with OpenInference (%s processor)', (processor) => {
  it('"Agent workflow" is the run: one agent, the Assistant, with its tool and model calls', async () => {
    const run = await traced(processor, (p) => openaiAgents(p, 'one'))
    expect(await agentsOf(run)).toEqual([{ name: 'Assistant', state: 'done', tools: 1, models: 2, tokens: 74 }])
  })

  it('a tool error that fails the run fails the agent, the error shown', async () => {
    const run = await traced(processor, (p) => openaiAgents(p, 'one-fails'))
    const [agent, ...more] = await agentsOf(run)
    expect(more).toEqual([])
    expect(agent).toMatchObject({ name: 'Assistant', state: 'failed', error: expect.stringContaining('weather service down') })
  })

  it('a handoff is two agents, each with its own work', async () => {
    const run = await traced(processor, (p) => openaiAgents(p, 'handoff'))
    const agents = await agentsOf(run)
    expect(agents.map((a) => [a.name, a.state, a.models])).toEqual([
      ['Triage', 'done', 1],
      ['Billing', 'done', 2],
    ])
    expect(agents.find((a) => a.name === 'Billing')?.tools).toBe(1)
    expect(agents.some((a) => a.name.startsWith('otel:'))).toBe(false)
  })
})
