// The OTLP bench's work: agent traces as GenAI-instrumented SDKs export them, as protobuf exports and as the same work in events.
import { ExportTraceServiceRequest } from '../src/otlp/otlp-codec'

export type SpanKind = 'agent' | 'chat' | 'tool'

/** One span as it ends: its trace, ids, times and the few attributes the GenAI conventions give it. */
export interface WorkSpan {
  kind: SpanKind
  /** the trace's number in this workload */
  trace: number
  traceId: Uint8Array
  spanId: Uint8Array
  parentSpanId?: Uint8Array
  name: string
  startMs: number
  endMs: number
  /** when its trace's agent span started */
  agentStartMs: number
  /** the first span of its trace to be exported (events: the agent's `agent:started` goes with it) */
  first: boolean
  agentName: string
  model?: string
  inputTokens?: number
  outputTokens?: number
  tool?: string
  toolCallId?: string
  toolArgs?: string
}

const AGENTS = ['planner', 'researcher', 'coder', 'reviewer', 'writer']
const MODELS = ['gpt-4o', 'claude-sonnet-4', 'gemini-2.5-pro']
const TOOLS = ['read_file', 'search_docs', 'run_tests', 'write_file', 'fetch_url']

/** mulberry32: the same workload on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const u32 = (bytes: Uint8Array, at: number, n: number) => new DataView(bytes.buffer).setUint32(at, n >>> 0)
/** 16 bytes: the workload's tag, the trace's number, and a spread of both (never all zero). */
function traceIdOf(tag: number, trace: number): Uint8Array {
  const id = new Uint8Array(16)
  u32(id, 0, 0xb0000000 + tag)
  u32(id, 4, trace)
  u32(id, 8, Math.imul(trace + 1, 0x9e3779b1))
  u32(id, 12, Math.imul(tag + 7, 0x85ebca6b) ^ trace)
  return id
}
/** 8 bytes: the trace's number and the span's place in it, counted from 1. */
function spanIdOf(trace: number, index: number): Uint8Array {
  const id = new Uint8Array(8)
  u32(id, 0, trace)
  u32(id, 4, index + 1)
  return id
}

/** One trace's spans in the order they end: the children one after another, then their `invoke_agent` parent. */
function traceSpans(tag: number, trace: number, children: number, startMs: number, rnd: () => number): WorkSpan[] {
  const traceId = traceIdOf(tag, trace)
  const agentId = spanIdOf(trace, 0)
  const agentName = AGENTS[trace % AGENTS.length]!
  const base = { trace, traceId, parentSpanId: agentId, first: false, agentName, agentStartMs: startMs }
  const spans: WorkSpan[] = []
  let at = startMs + 3
  for (let i = 1; i <= children; i++) {
    const spanId = spanIdOf(trace, i)
    if (i % 2 === 1) {
      const model = MODELS[(trace + i) % MODELS.length]!
      const endMs = at + 400 + Math.floor(rnd() * 1200)
      spans.push({ ...base, kind: 'chat', spanId, name: `chat ${model}`, startMs: at, endMs, model, inputTokens: 500 + Math.floor(rnd() * 4000), outputTokens: 20 + Math.floor(rnd() * 400) })
      at = endMs + 1
    } else {
      const tool = TOOLS[(trace + i) % TOOLS.length]!
      const endMs = at + 5 + Math.floor(rnd() * 300)
      const toolArgs = tool === 'search_docs' || tool === 'fetch_url' ? JSON.stringify({ query: `topic ${trace % 97} part ${i}` }) : JSON.stringify({ path: `src/module-${trace % 53}/file-${i}.ts` })
      spans.push({ ...base, kind: 'tool', spanId, name: `execute_tool ${tool}`, startMs: at, endMs, tool, toolCallId: `call_${trace}_${i}`, toolArgs })
      at = endMs + 1
    }
  }
  spans.push({ kind: 'agent', trace, traceId, spanId: agentId, name: `invoke_agent ${agentName}`, startMs, endMs: at + 2, agentStartMs: startMs, first: false, agentName })
  return spans
}

export interface WorkloadOptions {
  /** spans in all, exactly */
  spans: number
  /** traces in flight at once: each export holds parts of many, and a trace is spread over several exports */
  active: number
  /** tells workloads apart (the warm-up's ids are not the measured run's) */
  tag: number
  startMs: number
}

/** Every span in the order an SDK's batch processor would queue them: many traces at once, each span as it ends. */
export function workload(o: WorkloadOptions): { spans: WorkSpan[]; traces: number } {
  const rnd = random(o.tag * 7919 + 1)
  const out: WorkSpan[] = []
  let planned = 0
  let traces = 0
  const pool: WorkSpan[][] = []
  const open = () => {
    const left = o.spans - planned
    if (left <= 0) return
    // about ten children (9 to 11), the last trace cut to what is left of the budget
    const children = Math.min(9 + Math.floor(rnd() * 3), left - 1)
    const spans = traceSpans(o.tag, traces, children, o.startMs + traces * 5, rnd)
    spans[0]!.first = true
    pool.push(spans)
    planned += spans.length
    traces++
  }
  while (pool.length < o.active && planned < o.spans) open()
  while (pool.length > 0) {
    const pick = Math.floor(rnd() * pool.length)
    const trace = pool[pick]!
    out.push(trace.shift()!)
    if (trace.length === 0) {
      pool[pick] = pool[pool.length - 1]!
      pool.pop()
      open()
    }
  }
  return { spans: out, traces }
}

/** Consecutive exports of at most `size` spans (the BatchSpanProcessor's maxExportBatchSize is 512). */
export const exportsOf = (spans: readonly WorkSpan[], size: number): WorkSpan[][] =>
  Array.from({ length: Math.ceil(spans.length / size) }, (_, i) => spans.slice(i * size, (i + 1) * size))

/** How interleaved the exports are: traces per export, and exports per trace, on average. */
export function spread(exports: readonly WorkSpan[][]): { tracesPerExport: number; exportsPerTrace: number } {
  const seen = new Map<number, number>()
  let sum = 0
  for (const batch of exports) {
    const traces = new Set(batch.map((s) => s.trace))
    sum += traces.size
    for (const t of traces) seen.set(t, (seen.get(t) ?? 0) + 1)
  }
  return { tracesPerExport: sum / exports.length, exportsPerTrace: sum / seen.size }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex')
const nanos = (ms: number) => `${ms}000000`
type Attribute = { key: string; value: { stringValue: string } | { intValue: number } }
const str = (key: string, value: string): Attribute => ({ key, value: { stringValue: value } })
const int = (key: string, value: number): Attribute => ({ key, value: { intValue: value } })

function attributes(s: WorkSpan): Attribute[] {
  if (s.kind === 'agent') return [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', s.agentName), str('gen_ai.provider.name', 'openai')]
  if (s.kind === 'chat')
    return [str('gen_ai.operation.name', 'chat'), str('gen_ai.provider.name', 'openai'), str('gen_ai.request.model', s.model!), str('gen_ai.response.model', s.model!), int('gen_ai.usage.input_tokens', s.inputTokens!), int('gen_ai.usage.output_tokens', s.outputTokens!)]
  return [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', s.tool!), str('gen_ai.tool.type', 'function'), str('gen_ai.tool.call.id', s.toolCallId!), str('gen_ai.tool.call.arguments', s.toolArgs!)]
}

const RESOURCE = { attributes: [str('service.name', 'bench-agents'), str('telemetry.sdk.language', 'nodejs'), str('telemetry.sdk.name', 'opentelemetry'), str('telemetry.sdk.version', '2.0.0')] }
/** SpanKind INTERNAL for agents and tools, CLIENT for model calls, as the GenAI conventions say */
const KIND = { agent: 1, chat: 3, tool: 1 } as const

/** One export as `OTLPTraceExporter` (http/protobuf) sends it: one resource, one scope, its spans. */
export function protobufBody(batch: readonly WorkSpan[]): Uint8Array {
  const spans = batch.map((s) => ({
    traceId: s.traceId,
    spanId: s.spanId,
    ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
    name: s.name,
    kind: KIND[s.kind],
    startTimeUnixNano: nanos(s.startMs),
    endTimeUnixNano: nanos(s.endMs),
    attributes: attributes(s),
    status: {},
  }))
  const request = { resourceSpans: [{ resource: RESOURCE, scopeSpans: [{ scope: { name: 'bench-agents', version: '1.0.0' }, spans }] }] }
  return ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request)).finish()
}

/** The same work as events for POST /api/events: two per work span, and the agent's start and end. */
export function eventsOf(batch: readonly WorkSpan[]): object[] {
  const events: object[] = []
  for (const s of batch) {
    const trace = hex(s.traceId)
    const common = { agent_id: `bench:${trace}`, graph_id: trace }
    const id = `${trace}-${hex(s.spanId)}`
    const call_id = s.toolCallId ?? hex(s.spanId)
    if (s.first) events.push({ ...common, id: `${trace}-started`, timestamp: s.agentStartMs, category: 'agent', action: 'started', payload: { name: s.agentName } })
    if (s.kind === 'agent') {
      events.push({ ...common, id: `${id}-b`, timestamp: s.endMs, category: 'agent', action: 'completed', payload: {} })
    } else if (s.kind === 'chat') {
      events.push({ ...common, id: `${id}-a`, timestamp: s.startMs, category: 'model', action: 'request', payload: { model: s.model, call_id } })
      const tokens = { tokens: s.inputTokens! + s.outputTokens!, input_tokens: s.inputTokens, output_tokens: s.outputTokens }
      events.push({ ...common, id: `${id}-b`, timestamp: s.endMs, category: 'model', action: 'response', payload: { model: s.model, call_id, ...tokens, duration_ms: s.endMs - s.startMs } })
    } else {
      events.push({ ...common, id: `${id}-a`, timestamp: s.startMs, category: 'tool', action: 'called', payload: { tool: s.tool, call_id, args: JSON.parse(s.toolArgs!) } })
      events.push({ ...common, id: `${id}-b`, timestamp: s.endMs, category: 'tool', action: 'completed', payload: { tool: s.tool, call_id } })
    }
  }
  return events
}
