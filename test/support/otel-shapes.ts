// The span trees real Python frameworks exported (test/fixtures/otel-shapes, observed with pydantic-ai, LangGraph +
// openinference-instrumentation-langchain, openai-agents + its OpenInference instrumentation) as OTLP JSON spans with
// the attributes those instrumentations set, in their order of export.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface ShapeSpan {
  name: string
  kind: string
  status: 'OK' | 'ERROR' | 'UNSET'
  trace?: string
  id: string | number
  parent: string | number | null
  node?: string | null
  agent?: string
  in?: number | null
  out?: number | null
}

type Attr = { key: string; value: Record<string, unknown> }
export interface JsonSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  startTimeUnixNano: string
  endTimeUnixNano: string
  attributes: Attr[]
  status: { code: number; message?: string }
  events?: Array<{ name: string; timeUnixNano: string; attributes: Attr[] }>
}

export const loadShape = (file: string): ShapeSpan[] => JSON.parse(readFileSync(join(import.meta.dir, '..', 'fixtures', 'otel-shapes', file), 'utf8'))

const text = (key: string, v: string): Attr => ({ key, value: { stringValue: v } })
const int = (key: string, v: number): Attr => ({ key, value: { intValue: String(v) } })
const hex = (id: string | number, width: number) => (typeof id === 'number' || /^\d+$/.test(String(id)) ? BigInt(id).toString(16) : String(id)).padStart(width, '0').slice(-width)

const GENAI_OPS = new Set(['chat', 'execute_tool', 'invoke_agent'])

/** The attributes each instrumentation sets for a span of this kind (the ones the mapping reads). */
function attributesOf(s: ShapeSpan): Attr[] {
  if (GENAI_OPS.has(s.kind)) {
    const a = [text('gen_ai.operation.name', s.kind), ...(s.agent ? [text('gen_ai.agent.name', s.agent)] : [])]
    if (s.kind === 'chat') a.push(text('gen_ai.request.model', 'test'), int('gen_ai.usage.input_tokens', s.in ?? 0), int('gen_ai.usage.output_tokens', s.out ?? 0))
    if (s.kind === 'execute_tool') a.push(text('gen_ai.tool.name', s.name.replace('execute_tool ', '')), text('gen_ai.tool.call.arguments', '{"item":"widget"}'))
    if (s.kind === 'invoke_agent' && s.status !== 'ERROR') a.push(text('final_result', 'widgets: 12 in stock'))
    return a
  }
  const a = [text('openinference.span.kind', s.kind)]
  if (s.node) a.push(text('metadata', JSON.stringify({ langgraph_node: s.node, langgraph_step: 1 })))
  if (s.kind === 'LLM') a.push(text('llm.model_name', 'fake-chat'), int('llm.token_count.prompt', 30), int('llm.token_count.completion', 7))
  if (s.kind === 'TOOL') a.push(text('tool.name', s.name), text('input.value', '{"query":"widgets"}'), ...(s.status === 'OK' ? [text('output.value', 'widgets: 12')] : []))
  if (s.kind === 'AGENT' || s.parent === null)
    a.push(text('output.value', JSON.stringify({ messages: [{ role: 'user', content: 'how many widgets?' }, { role: 'assistant', content: 'There are 12 widgets.' }] })), text('output.mime_type', 'application/json'))
  return a
}

export const TOOL_ERROR = 'lookup failed: no such item'

/**
 * The shape's spans as OTLP JSON, in export order. Times: each span ends 10 ms after the one exported before it and
 * starts 1 ms before its earliest child (a leaf lasts 5 ms). A failing span is told as the SDKs tell it: pydantic-ai
 * with an exception event and no status message; OpenInference with the message as the status and the event.
 */
export function toOtlp(shape: ShapeSpan[], traceOf: (s: ShapeSpan) => string, base = Date.now() - 60_000): JsonSpan[] {
  const startOf = new Map<string, number>()
  return shape.map((s, i) => {
    const id = hex(s.id, 16)
    const end = base + 10 * (i + 1)
    const start = startOf.get(id) ?? end - 5
    if (s.parent !== null) {
      const parent = hex(s.parent, 16)
      startOf.set(parent, Math.min(startOf.get(parent) ?? Infinity, start - 1))
    }
    const failing = s.status === 'ERROR'
    const genai = GENAI_OPS.has(s.kind)
    const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`
    return {
      traceId: traceOf(s),
      spanId: id,
      ...(s.parent === null ? {} : { parentSpanId: hex(s.parent, 16) }),
      name: s.name,
      startTimeUnixNano: ns(start),
      endTimeUnixNano: ns(end),
      attributes: attributesOf(s),
      status: failing ? (genai ? { code: 2 } : { code: 2, message: `ValueError: ${TOOL_ERROR}` }) : { code: s.status === 'OK' ? 1 : 0 },
      ...(failing ? { events: [{ name: 'exception', timeUnixNano: ns(end), attributes: [text('exception.type', 'ValueError'), text('exception.message', TOOL_ERROR)] }] } : {}),
    }
  })
}

/** A 32-hex trace id from the shape's short one (or from the root's id, for shapes that give none). */
export const traceIdOf = (short: string) => short.padStart(32, '0')

export const exportBody = (spans: JsonSpan[], service = 'shop-service') => ({
  resourceSpans: [{ resource: { attributes: [text('service.name', service)] }, scopeSpans: [{ scope: { name: 'fixture' }, spans }] }],
})

/** openai-agents + OpenInference, as the shapes README describes it: "Agent workflow" › agent › turn › function / generation. */
export function openaiAgentsShape(agents: Array<{ name: string; tools: string[] }>, traceShort: string): ShapeSpan[] {
  const out: ShapeSpan[] = []
  let next = 1
  const workflow = 'f0'.padStart(16, '0')
  for (const agent of agents) {
    const agentId = (next++).toString(16).padStart(16, 'a')
    const turn = (next++).toString(16).padStart(16, 'b')
    out.push({ name: 'generation', kind: 'LLM', status: 'OK', trace: traceShort, id: (next++).toString(16).padStart(16, 'c'), parent: turn })
    for (const tool of agent.tools) out.push({ name: tool, kind: 'TOOL', status: 'OK', trace: traceShort, id: (next++).toString(16).padStart(16, 'd'), parent: turn })
    out.push({ name: 'turn', kind: 'CHAIN', status: 'OK', trace: traceShort, id: turn, parent: agentId })
    out.push({ name: agent.name, kind: 'AGENT', status: 'OK', trace: traceShort, id: agentId, parent: workflow })
  }
  out.push({ name: 'Agent workflow', kind: 'AGENT', status: 'OK', trace: traceShort, id: workflow, parent: null })
  return out
}
