// POST /v1/traces fed by the official OpenTelemetry SDK and its OTLP exporters (protobuf and JSON, gzip) over a real socket.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { startTestServer, type TestServer } from './support/server'
import { req, post } from './support/http'

const TOKEN = 'otlp-test-token'
let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ token: TOKEN })
})
afterAll(() => s.stop())

const auth = { authorization: `Bearer ${TOKEN}` }

/** Spans made by the SDK's own tracer, ended, as an exporter would be handed them. */
async function record(build: (start: (name: string, attributes: Attributes, parent?: Span) => Span) => void): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter()
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'otlp-test' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] })
  const tracer = provider.getTracer('switchboard-test')
  build((name, attributes, parent) => tracer.startSpan(name, { attributes }, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT))
  await provider.forceFlush()
  return memory.getFinishedSpans()
}

type Exporter = ProtoExporter | JsonExporter
function exportWith(exporter: Exporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve))
}
const proto = (compression?: 'gzip') => new ProtoExporter({ url: `${s.url}/v1/traces`, headers: auth, ...(compression ? { compression: compression as never } : {}) })
const json = (compression?: 'gzip') => new JsonExporter({ url: `${s.url}/v1/traces`, headers: auth, ...(compression ? { compression: compression as never } : {}) })

/** A trace's first agent span is the trace's own agent: `otel:<trace>`. */
const agentOf = (span: ReadableSpan) => `otel:${span.spanContext().traceId}`
const snapshot = async () => (await (await fetch(`${s.url}/api/snapshot`, { headers: auth })).json()) as {
  agents: Array<{ agent_id: string; name: string; state: string; tool_calls: number; model_calls: number }>
  events: Array<{ id: string; agent_id?: string; category: string; action: string; payload: Record<string, unknown> }>
}
const tokensOf = (agentId: string) => s.dashboard.agents.get(agentId)?.getSnapshot().context.tokens

/** invoke_agent with an execute_tool and a chat child, GenAI conventions; `fail` ends the agent in ERROR. */
function agentRun(name: string, fail = false) {
  return record((start) => {
    const agent = start(`invoke_agent ${name}`, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name })
    const tool = start('execute_tool search', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.call.arguments': '{"q":"otlp"}', 'gen_ai.tool.call.result': '3 hits' }, agent)
    tool.end()
    const chat = start('chat gpt-test', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-test', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 20 }, agent)
    chat.end()
    if (fail) agent.setStatus({ code: SpanStatusCode.ERROR, message: 'quota exceeded' })
    agent.end()
  })
}

describe('POST /v1/traces', () => {
  it('an agent span with tool and chat children (protobuf) shows as an agent with a tool call, a model call and its tokens', async () => {
    const spans = await agentRun('researcher')
    const agentSpan = spans.find((x) => x.name.startsWith('invoke_agent'))!
    expect(await exportWith(proto(), spans)).toEqual({ code: 0 })
    const { agents, events } = await snapshot()
    const agent = agents.find((a) => a.agent_id === agentOf(agentSpan))
    expect(agent).toMatchObject({ name: 'researcher', state: 'done', tool_calls: 1, model_calls: 1 })
    expect(tokensOf(agentOf(agentSpan))).toBe(120)
    // newest first
    const mine = events.filter((e) => e.agent_id === agentOf(agentSpan)).map((e) => `${e.category}:${e.action}`).reverse()
    expect(mine).toEqual(['agent:started', 'tool:called', 'tool:completed', 'model:request', 'model:response', 'agent:completed'])
    const tool = events.find((e) => e.agent_id === agentOf(agentSpan) && e.action === 'completed' && e.category === 'tool')!
    const toolSpan = spans.find((x) => x.name.startsWith('execute_tool'))!
    expect(tool.payload).toEqual({ tool: 'search', call_id: toolSpan.spanContext().spanId, result: '3 hits', duration_ms: expect.any(Number) })
    const model = events.find((e) => e.agent_id === agentOf(agentSpan) && e.action === 'response')!
    const chatSpan = spans.find((x) => x.name.startsWith('chat'))!
    expect(model.payload).toMatchObject({ model: 'gpt-test', call_id: chatSpan.spanContext().spanId, tokens: 120, input_tokens: 100, output_tokens: 20 })
    expect(model.payload.duration_ms).toBeNumber()
  })

  it('an ERROR agent span (JSON, gzip) is a failed agent with the status message', async () => {
    const spans = await agentRun('writer', true)
    expect(await exportWith(json('gzip'), spans)).toEqual({ code: 0 })
    const agentSpan = spans.find((x) => x.name.startsWith('invoke_agent'))!
    const agent = (await snapshot()).agents.find((a) => a.agent_id === agentOf(agentSpan))
    expect(agent).toMatchObject({ name: 'writer', state: 'failed' })
    expect(s.dashboard.agents.get(agentOf(agentSpan))?.getSnapshot().context.error).toBe('quota exceeded')
  })

  it('children exported before their agent start it, and a re-export (protobuf, gzip) adds nothing', async () => {
    const spans = await agentRun('planner')
    const agentSpan = spans.find((x) => x.name.startsWith('invoke_agent'))!
    const children = spans.filter((x) => x !== agentSpan)
    expect(await exportWith(proto('gzip'), children)).toEqual({ code: 0 })
    expect((await snapshot()).agents.find((a) => a.agent_id === agentOf(agentSpan))?.state).toBe('running')
    expect(await exportWith(proto('gzip'), [agentSpan])).toEqual({ code: 0 })
    const before = s.store.query({ agent_id: agentOf(agentSpan), after: 0, limit: 100 }).length
    expect(await exportWith(proto('gzip'), spans)).toEqual({ code: 0 })
    expect(await exportWith(json(), spans)).toEqual({ code: 0 })
    expect(s.store.query({ agent_id: agentOf(agentSpan), after: 0, limit: 100 }).length).toBe(before)
    expect((await snapshot()).agents.find((a) => a.agent_id === agentOf(agentSpan))).toMatchObject({ name: 'planner', state: 'done', tool_calls: 1 })
  })
})

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
let nextId = 1
/** An OTLP JSON span, as the spec writes it: hex ids, nanoseconds and 64-bit ints as strings. */
function jsonSpan(attributes: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const id = nextId++
  const ns = `${BigInt(Date.now()) * 1_000_000n}`
  return {
    traceId: hex(0xabc000 + id, 32),
    spanId: hex(id, 16),
    name: 'span',
    startTimeUnixNano: ns,
    endTimeUnixNano: ns,
    attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })),
    ...extra,
  }
}
const traces = (...spans: unknown[]) => ({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] })
const postTraces = (body: BodyInit, headers: Record<string, string> = {}) =>
  fetch(req(`${s.url}/v1/traces`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', ...headers }, body }))

describe('POST /v1/traces as steps', () => {
  it('a span under a tool span is a step under that tool call, with its prompt and completion; the tool call id is kept', async () => {
    const spans = await record((start) => {
      const agent = start('invoke_agent nester', { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'nester' })
      const tool = start('execute_tool plan', { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'plan', 'gen_ai.tool.call.id': 'call_🦊_1' }, agent)
      const chat = start('chat inner', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'inner', 'gen_ai.prompt': 'Plan it', 'gen_ai.completion': 'Step 1' }, tool)
      chat.end()
      tool.end()
      const after = start('chat after', { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'after' }, agent)
      after.end()
      agent.end()
    })
    expect(await exportWith(json(), spans)).toEqual({ code: 0 })
    const agentSpan = spans.find((x) => x.name.startsWith('invoke_agent'))!
    const page = s.store.steps.page(agentOf(agentSpan), {})
    expect(page.steps.map((x) => [x.kind, x.name, x.status, x.depth, x.step_id])).toEqual([
      ['tool', 'plan', 'ok', 0, 'call_🦊_1'],
      ['model', 'inner', 'ok', 1, spans.find((x) => x.name === 'chat inner')!.spanContext().spanId],
      ['model', 'after', 'ok', 0, spans.find((x) => x.name === 'chat after')!.spanContext().spanId],
    ])
    expect(page.steps[1]).toMatchObject({ input: 'Plan it', output: 'Step 1', parent_id: 'call_🦊_1' })
  })
})

describe('POST /v1/traces, other conventions and hostile bodies', () => {
  it('OpenInference and OpenLLMetry spans become tool and model calls with tokens', async () => {
    const llm = jsonSpan({ 'openinference.span.kind': { stringValue: 'LLM' }, 'llm.model_name': { stringValue: 'oi-model' }, 'llm.token_count.prompt': { intValue: '7' }, 'llm.token_count.completion': { intValue: 5 } })
    const tool = jsonSpan({ 'traceloop.span.kind': { stringValue: 'tool' }, 'traceloop.entity.name': { stringValue: 'fetch_page' } }, { status: { code: 2, message: 'timeout' } })
    const res = await postTraces(JSON.stringify(traces(llm, tool)))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
    const { events } = await snapshot()
    expect(events.find((e) => e.id === `otel:${llm.traceId}:${llm.spanId}:model-response`)?.payload).toEqual({ model: 'oi-model', call_id: llm.spanId, tokens: 12, input_tokens: 7, output_tokens: 5, duration_ms: 0 })
    expect(events.find((e) => e.id === `otel:${tool.traceId}:${tool.spanId}:tool-failed`)?.payload).toEqual({ tool: 'fetch_page', call_id: tool.spanId, error: 'timeout', duration_ms: 0 })
  })

  it('refuses spans it cannot use in partialSuccess, with the reason, and keeps the rest', async () => {
    const good = jsonSpan({ 'gen_ai.operation.name': { stringValue: 'execute_tool' }, 'gen_ai.tool.name': { stringValue: 'ok' } })
    const huge = jsonSpan({ 'gen_ai.operation.name': { stringValue: 'chat' }, 'gen_ai.usage.input_tokens': { intValue: '9223372036854775807' } })
    const badId = { ...jsonSpan({}), traceId: 'zz' }
    const ancient = jsonSpan({ 'gen_ai.operation.name': { stringValue: 'chat' } }, { startTimeUnixNano: '5', endTimeUnixNano: '18446744073709551615' })
    const res = await postTraces(JSON.stringify(traces(good, huge, badId, ancient)))
    expect(res.status).toBe(200)
    const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } }
    expect(body.partialSuccess.rejectedSpans).toBe('3')
    expect(body.partialSuccess.errorMessage).toContain('traceId')
    // A trace of one tool span and nothing else: its own agent, named after it, ending with it.
    expect(s.store.query({ agent_id: `otel:${good.traceId}`, after: 0, limit: 10 }).map((x) => x.event.action)).toEqual(['started', 'called', 'completed', 'completed'])
    expect(s.store.query({ text: huge.spanId, after: 0, limit: 10 })).toEqual([])
  })

  it('answers a garbage body 400 with the reason, in the encoding asked', async () => {
    const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01])
    const pb = await postTraces(garbage, { 'content-type': 'application/x-protobuf' })
    expect(pb.status).toBe(400)
    expect(pb.headers.get('content-type')).toBe('application/x-protobuf')
    expect(new TextDecoder().decode(await pb.arrayBuffer())).toContain('not an ExportTraceServiceRequest')
    for (const [body, reason] of [
      ['{"resourceSpans": ', 'not valid UTF-8 JSON'],
      ['[1,2]', 'must be an ExportTraceServiceRequest object'],
      ['{"resourceSpans": {"a": 1}}', 'resourceSpans must be an array'],
      ['{"resourceSpans": [[1]]}', 'resourceSpans[] must be objects'],
      // refused on the text, before JSON.parse builds it
      [`{"resourceSpans": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`, 'nests deeper than the depth limit of 64 levels'],
    ] as const) {
      const res = await postTraces(body)
      expect(res.status).toBe(400)
      expect(((await res.json()) as { error: string }).error).toContain(reason)
    }
    const gz = await postTraces(new Uint8Array([1, 2, 3]), { 'content-encoding': 'gzip' })
    expect(gz.status).toBe(400)
  })

  it('answers 415 for other types and encodings, 413 over the limit, 401 without the token', async () => {
    expect((await postTraces('x', { 'content-type': 'text/plain' })).status).toBe(415)
    expect((await postTraces('{}', { 'content-encoding': 'br' })).status).toBe(415)
    const bomb = gzipSync(Buffer.alloc(20 << 20))
    expect((await postTraces(bomb, { 'content-encoding': 'gzip' })).status).toBe(413)
    expect((await postTraces(new Uint8Array(3 << 20))).status).toBe(413)
    const anonymous = await fetch(post(`${s.url}/v1/traces`, '{}'))
    expect(anonymous.status).toBe(401)
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
  })

  it('answers an exporter sent to a wrong path 404 whatever its body: not a 415 that reads as "protobuf not supported"', async () => {
    for (const path of ['/v1/traces/v1/traces', '/v1/trace', '/api/v1/traces', '/v1/metrics'])
      for (const type of ['application/x-protobuf', 'application/json', 'text/plain']) {
        const res = await fetch(req(`${s.url}${path}`, { method: 'POST', headers: { ...auth, 'content-type': type }, body: 'x' }))
        expect([path, type, res.status]).toEqual([path, type, 404])
      }
    // Still a 401 to a stranger: no route's existence is told before the token.
    expect((await fetch(req(`${s.url}/v1/trace`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }))).status).toBe(401)
  })
})

describe('POST /v1/traces, a protobuf nested 100,000 levels deep', () => {
  const varint = (n: number) => {
    const out: number[] = []
    for (; n > 127; n = Math.floor(n / 128)) out.push((n & 127) | 128)
    return [...out, n]
  }
  /** ExportTraceServiceRequest → one span whose one attribute is an AnyValue array nested `depth` deep, built inside out by size. */
  function deepRequest(depth: number): Uint8Array<ArrayBuffer> {
    const headers: number[][] = []
    let size = 3
    for (let i = 0; i < depth; i++) {
      const values = [0x0a, ...varint(size)]
      size += values.length
      const arrayValue = [0x2a, ...varint(size)]
      size += arrayValue.length
      headers.push(values, arrayValue)
    }
    const value = [...headers.reverse().flat(), 0x0a, 1, 0x78]
    const kv = [0x0a, 1, 0x6b, 0x12, ...varint(value.length), ...value]
    const span = [0x0a, 16, ...new Array(16).fill(1), 0x12, 8, ...new Array(8).fill(1), 0x4a, ...varint(kv.length), ...kv]
    const scope = [0x12, ...varint(span.length), ...span]
    const resource = [0x12, ...varint(scope.length), ...scope]
    return new Uint8Array([0x0a, ...varint(resource.length), ...resource])
  }

  it('is refused with 400 and the reason, and the server goes on', async () => {
    const res = await postTraces(deepRequest(100_000), { 'content-type': 'application/x-protobuf' })
    expect(res.status).toBe(400)
    expect(new TextDecoder().decode(await res.arrayBuffer())).toContain('depth')
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
  })
})

describe('a large export', () => {
  it('is taken in slices, each stored (a commit, a turn of the loop) before the next is taken: 20,000 spans held the loop about 5 s in one piece', async () => {
    const { OTLP_SLICE } = await import('../src/server/routes/otlp')
    const spans = Array.from({ length: 3 * OTLP_SLICE }, () => jsonSpan({ 'gen_ai.operation.name': { stringValue: 'invoke_agent' } }))
    const slices: Array<{ size: number; first: string; earlierStored: boolean }> = []
    const ungate = s.bus.gate((events) => {
      if (!events[0]?.id.startsWith('otel:')) return
      slices.push({ size: events.length, first: events[0].id, earlierStored: slices.every((x) => s.store.has(x.first)) })
    })
    try {
      const res = await postTraces(JSON.stringify(traces(...spans)))
      expect(res.status).toBe(200)
      expect(slices.length).toBeGreaterThan(1)
      expect(slices.filter((x) => x.size > OTLP_SLICE || !x.earlierStored)).toEqual([])
      expect(slices.reduce((n, x) => n + x.size, 0)).toBeGreaterThanOrEqual(spans.length)
      for (const sp of [spans[0]!, spans.at(-1)!]) expect(s.store.query({ agent_id: `otel:${sp.traceId}`, after: 0, limit: 10 }).length).toBeGreaterThan(0)
    } finally {
      ungate()
    }
  }, 60_000)
})
