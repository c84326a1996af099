// GenAI, OpenInference and OpenLLMetry spans → Switchboard events, with ids derived from trace and span ids (a re-export is a duplicate).
import { MAX_DURATION_MS, validateEvent, type Event } from '../protocol/event'
import { MAX_STEP_TEXT, MAX_TEXT } from '../protocol/limits'
import type { OtlpSpan, Scalar } from './otlp-spans'

type Role = 'agent' | 'tool' | 'model'

const MODEL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings'])
/** what args/results are cut to: a card shows a glimpse, the tracing backend keeps the whole */
const MAX_VALUE = 2_000
const ERROR = 2

const str = (v: Scalar | undefined) => (typeof v === 'string' && v.trim() ? v : undefined)
const first = (span: OtlpSpan, keys: string[]) => keys.map((k) => span.attributes.get(k)).find((v) => v !== undefined)
const cut = (v: Scalar | undefined, max = MAX_VALUE) => (v === undefined ? undefined : String(v).slice(0, max))

/** Which of the three things a span is, by the GenAI operation, OpenInference's or OpenLLMetry's span kind; undefined: not ours. */
export function roleOf(span: OtlpSpan): Role | undefined {
  const a = span.attributes
  const op = str(a.get('gen_ai.operation.name'))
  const oi = str(a.get('openinference.span.kind'))?.toUpperCase()
  const tl = str(a.get('traceloop.span.kind'))?.toLowerCase()
  if (op === 'invoke_agent' || oi === 'AGENT' || tl === 'agent') return 'agent'
  if (op === 'execute_tool' || oi === 'TOOL' || tl === 'tool') return 'tool'
  if ((op && MODEL_OPERATIONS.has(op)) || oi === 'LLM' || oi === 'EMBEDDING') return 'model'
  if (!op && !oi && !tl && ['gen_ai.usage.input_tokens', 'gen_ai.request.model', 'llm.token_count.prompt'].some((k) => a.has(k))) return 'model'
  return undefined
}

const agentIdOf = (traceId: string, spanId: string) => `otel:${traceId}:${spanId}`
const eventId = (span: OtlpSpan, what: string) => `otel:${span.traceId}:${span.spanId}:${what}`

/**
 * The agent a tool or model span worked for: the nearest agent span above it in this request. Spans
 * arrive as they end, so an agent's span usually comes after its children: then the parent stands
 * for it (GenAI tool and chat spans are children of invoke_agent), or the span's own root.
 */
function ownerOf(span: OtlpSpan, byId: ReadonlyMap<string, OtlpSpan>): string {
  let at = span
  for (let hops = 0; at.parentSpanId !== undefined && hops < 64; hops++) {
    const parent = byId.get(at.parentSpanId)
    if (!parent) return agentIdOf(span.traceId, at.parentSpanId)
    if (roleOf(parent) === 'agent') return agentIdOf(span.traceId, parent.spanId)
    at = parent
  }
  return agentIdOf(span.traceId, at.spanId)
}

/** A work span's step id: the tool call's own id when the span names it, else the span id. */
const callIdOf = (span: OtlpSpan) => cut(first(span, ['gen_ai.tool.call.id']), 200) ?? span.spanId

/**
 * The step a tool or model span is part of: the nearest tool or model span above it in this request
 * (so steps nest); none under an agent span, or when the chain leaves the request (that is the owner).
 */
function parentStepOf(span: OtlpSpan, byId: ReadonlyMap<string, OtlpSpan>): string | undefined {
  let at = span
  for (let hops = 0; at.parentSpanId !== undefined && hops < 64; hops++) {
    const parent = byId.get(at.parentSpanId)
    const role = parent && roleOf(parent)
    if (!parent || role === 'agent') return undefined
    if (role) return callIdOf(parent)
    at = parent
  }
  return undefined
}

function errorOf(span: OtlpSpan): string | undefined {
  if (span.status.code !== ERROR) return undefined
  return (span.status.message ?? str(span.attributes.get('error.type')) ?? 'failed').slice(0, MAX_TEXT)
}

function tokens(span: OtlpSpan): Record<string, number | Scalar> {
  const input = first(span, ['gen_ai.usage.input_tokens', 'llm.token_count.prompt', 'gen_ai.usage.prompt_tokens'])
  const output = first(span, ['gen_ai.usage.output_tokens', 'llm.token_count.completion', 'gen_ai.usage.completion_tokens'])
  if (input === undefined && output === undefined) return {}
  // A count that is not a number (a 64-bit string past 2^53) fails the tokens schema and refuses the span.
  const sum = (typeof input === 'number' ? input : input === undefined ? 0 : NaN) + (typeof output === 'number' ? output : output === undefined ? 0 : NaN)
  return { tokens: sum, ...(input === undefined ? {} : { input_tokens: input }), ...(output === undefined ? {} : { output_tokens: output }) }
}

type Draft = Omit<Event, 'timestamp'> & { timestamp: number }

function agentEvents(span: OtlpSpan, session: Partial<Event>): Draft[] {
  const agent_id = agentIdOf(span.traceId, span.spanId)
  const name = str(first(span, ['gen_ai.agent.name', 'agent.name', 'traceloop.entity.name'])) ?? (span.name.replace(/^invoke_agent\s+/, '') || undefined)
  const error = errorOf(span)
  const output = cut(first(span, ['output.value', 'traceloop.entity.output']))
  const started: Draft = { id: eventId(span, 'started'), timestamp: span.startMs, category: 'agent', action: 'started', agent_id, ...session, payload: name ? { name: name.slice(0, 200) } : {} }
  const ended: Draft = error
    ? { id: eventId(span, 'failed'), timestamp: span.endMs, category: 'agent', action: 'failed', agent_id, ...session, payload: { error } }
    : { id: eventId(span, 'completed'), timestamp: span.endMs, category: 'agent', action: 'completed', agent_id, ...session, payload: output ? { summary: output } : {} }
  return [started, ended]
}

function workEvents(span: OtlpSpan, role: 'tool' | 'model', agent_id: string, session: Partial<Event>, parent_id: string | undefined): Draft[] {
  const error = errorOf(span)
  const base = { agent_id, ...session }
  // One step per span: both events carry its call id, and its parent's when it has one.
  const link = { call_id: callIdOf(span), ...(parent_id ? { parent_id } : {}) }
  if (role === 'tool') {
    const tool = (str(first(span, ['gen_ai.tool.name', 'tool.name', 'traceloop.entity.name'])) ?? (span.name.replace(/^execute_tool\s+/, '') || 'tool')).slice(0, 200)
    const args = cut(first(span, ['gen_ai.tool.call.arguments', 'tool.parameters', 'input.value', 'traceloop.entity.input']))
    const result = cut(first(span, ['gen_ai.tool.call.result', 'output.value', 'traceloop.entity.output']))
    return [
      { id: eventId(span, 'tool-called'), timestamp: span.startMs, category: 'tool', action: 'called', ...base, payload: { tool, ...link, ...(args ? { args } : {}) } },
      error
        ? { id: eventId(span, 'tool-failed'), timestamp: span.endMs, category: 'tool', action: 'failed', ...base, payload: { tool, ...link, error } }
        : { id: eventId(span, 'tool-completed'), timestamp: span.endMs, category: 'tool', action: 'completed', ...base, payload: { tool, ...link, ...(result ? { result } : {}) } },
    ]
  }
  const model = cut(first(span, ['gen_ai.request.model', 'gen_ai.response.model', 'llm.model_name']), 200)
  const m = model ? { model } : {}
  const input = cut(first(span, ['gen_ai.prompt', 'gen_ai.prompt.0.content', 'input.value']), MAX_STEP_TEXT)
  const output = cut(first(span, ['gen_ai.completion', 'gen_ai.completion.0.content', 'output.value']), MAX_STEP_TEXT)
  const duration_ms = Math.min(span.endMs - span.startMs, MAX_DURATION_MS)
  return [
    { id: eventId(span, 'model-request'), timestamp: span.startMs, category: 'model', action: 'request', ...base, payload: { ...m, ...link, ...(input ? { input } : {}) } },
    {
      id: eventId(span, 'model-response'),
      timestamp: span.endMs,
      category: 'model',
      action: 'response',
      ...base,
      payload: { ...m, ...link, ...tokens(span), duration_ms, ...(output ? { output } : {}), ...(error ? { error } : {}) },
    },
  ]
}

export interface Mapped {
  events: Event[]
  rejected: number
  reason: string
}

/**
 * The events of these spans, oldest first. An agent seen first through its children is started by
 * the first of them (`…:running`; its own span, when it ends, adds the name and the outcome).
 * A span whose events do not validate is refused whole, with the reason.
 */
export function spansToEvents(spans: readonly OtlpSpan[]): Mapped {
  const byId = new Map(spans.map((s) => [s.spanId, s]))
  const out: Mapped = { events: [], rejected: 0, reason: '' }
  const work = spans.flatMap((span) => {
    const role = roleOf(span)
    return role ? [{ span, role, owner: role === 'agent' ? undefined : ownerOf(span, byId) }] : []
  })
  // An owner whose own span is not here is started by the earliest of its children here.
  const firstChild = new Map<string, OtlpSpan>()
  for (const { span, owner } of work) {
    if (owner === undefined || roleOf(byId.get(owner.slice(owner.lastIndexOf(':') + 1)) ?? span) === 'agent') continue
    if ((firstChild.get(owner)?.startMs ?? Infinity) > span.startMs) firstChild.set(owner, span)
  }
  for (const { span, role, owner } of work) {
    const conversation = str(first(span, ['gen_ai.conversation.id', 'session.id']))
    const session = conversation ? { session_id: conversation.slice(0, 200) } : {}
    const drafts = owner === undefined ? agentEvents(span, session) : workEvents(span, role as 'tool' | 'model', owner, session, parentStepOf(span, byId))
    if (owner !== undefined && firstChild.get(owner) === span) {
      const name = str(span.attributes.get('gen_ai.agent.name'))
      drafts.unshift({ id: `${owner}:running`, timestamp: span.startMs, category: 'agent', action: 'started', agent_id: owner, ...session, payload: name ? { name: name.slice(0, 200) } : {} })
    }
    const checked = drafts.map((d) => validateEvent(d))
    const bad = checked.find((c) => !c.ok)
    if (bad && !bad.ok) {
      out.rejected++
      out.reason ||= `span ${span.spanId}: ${bad.field} ${bad.reason}`
      continue
    }
    for (const c of checked) if (c.ok) out.events.push(c.event)
  }
  // Clocks of parent and child spans may disagree by a millisecond or so: an agent starts before and
  // ends after the work of it that is here, and at the same millisecond too.
  const spanOf = new Map<string, [number, number]>()
  for (const e of out.events) {
    if (e.category === 'agent' || !e.agent_id) continue
    const [lo, hi] = spanOf.get(e.agent_id) ?? [Infinity, -Infinity]
    spanOf.set(e.agent_id, [Math.min(lo, e.timestamp), Math.max(hi, e.timestamp)])
  }
  for (const e of out.events) {
    const work = e.category === 'agent' && e.agent_id ? spanOf.get(e.agent_id) : undefined
    if (work) e.timestamp = e.action === 'started' ? Math.min(e.timestamp, work[0]) : Math.max(e.timestamp, work[1])
  }
  const rank = (e: Event) => (e.category !== 'agent' ? 1 : e.action === 'started' ? 0 : 2)
  out.events.sort((a, b) => a.timestamp - b.timestamp || rank(a) - rank(b))
  return out
}
