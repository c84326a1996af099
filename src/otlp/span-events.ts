// One span read as GenAI, OpenInference or OpenLLMetry say it: what it is, its name, its error, its output, and the
// events of its work (the assembler decides whose work it is). Event ids come from trace and span ids, so a re-export
// is a duplicate.
import { MAX_DURATION_MS, type Event } from '../protocol/event'
import { checkJson } from '../protocol/json-depth'
import { MAX_BODY_DEPTH, MAX_STEP_TEXT, MAX_TEXT } from '../protocol/limits'
import type { OtlpSpan, Scalar } from './otlp-spans'

export type Role = 'agent' | 'tool' | 'model'

const MODEL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings'])
/** what tool args/results are cut to: a card shows a glimpse, the tracing backend keeps the whole */
const MAX_VALUE = 2_000
const ERROR = 2

export const str = (v: Scalar | undefined) => (typeof v === 'string' && v.trim() ? v : undefined)
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

/** The name an agent span gives its agent (undefined: it names none). */
export function agentNameOf(span: OtlpSpan): string | undefined {
  const named = str(first(span, ['gen_ai.agent.name', 'agent.name', 'traceloop.entity.name']))
  return (named ?? (span.name.replace(/^invoke_agent\s*/, '').trim() || undefined))?.slice(0, 200)
}

/** SDKs name a service they were not told the name of `unknown_service…`: no name at all. */
const serviceOf = (span: OtlpSpan) => (span.service && !span.service.startsWith('unknown_service') ? span.service : undefined)

/**
 * An agent's name as shown: the span's, qualified by the service when it says little by itself (pydantic-ai calls an
 * unnamed agent `agent`; a trace with no agent span is named after its root span).
 */
export function displayName(name: string | undefined, span: OtlpSpan, qualify: boolean): string | undefined {
  const service = serviceOf(span)
  if (name === undefined) return service
  if (service === undefined || service === name || !(qualify || /^agent$/i.test(name))) return name
  return `${name} (${service})`.slice(0, 200)
}

/** Why a span failed: status.message, else error.type (with the exception's message when it says more), else the exception event; undefined when it did not. */
export function errorOf(span: OtlpSpan): string | undefined {
  if (span.status.code !== ERROR) return undefined
  const type = str(span.attributes.get('error.type'))
  const { type: exType, message } = span.exception ?? {}
  const fromException = exType && message ? `${exType}: ${message}` : (message ?? exType)
  const typed = type && message && (exType === undefined || exType === type) ? `${type}: ${message}` : type
  return (span.status.message ?? typed ?? fromException ?? 'failed').slice(0, MAX_TEXT)
}

/** The text of one chat message in the shapes the conventions use (GenAI parts, OpenAI content, LangChain kwargs). */
function messageText(message: unknown): string | undefined {
  if (typeof message === 'string') return message
  if (typeof message !== 'object' || message === null) return undefined
  const m = message as Record<string, unknown>
  if (typeof m.content === 'string') return m.content
  const parts = Array.isArray(m.parts) ? m.parts : Array.isArray(m.content) ? m.content : undefined
  if (parts) {
    const texts = parts.map((p) => (typeof p === 'string' ? p : typeof p === 'object' && p !== null ? ((p as Record<string, unknown>).content ?? (p as Record<string, unknown>).text) : undefined)).filter((t): t is string => typeof t === 'string')
    if (texts.length) return texts.join('\n')
  }
  if (typeof m.kwargs === 'object' && m.kwargs !== null) return messageText(m.kwargs)
  if (typeof m.text === 'string') return m.text
  return undefined
}

/** A JSON value's last message's text: `{messages: […]}`, a list of messages, or one message; undefined when it holds none. */
function lastMessageText(json: string): string | undefined {
  if (checkJson(json, { maxDepth: MAX_BODY_DEPTH, maxValues: 100_000 })) return undefined
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return undefined
  }
  const holder = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  const messages = Array.isArray(value) ? value : Array.isArray(holder?.messages) ? holder.messages : Array.isArray(holder?.output) ? holder.output : undefined
  const last = messages ? messages.at(-1) : value
  return messageText(last) ?? (typeof holder?.output === 'string' ? holder.output : undefined)
}

/** What an agent (or root) span says it produced: pydantic-ai's final_result, GenAI output messages, OpenInference, OpenLLMetry. */
export function outputOf(span: OtlpSpan): string | undefined {
  const a = span.attributes
  const final = str(a.get('final_result'))
  if (final) return final.slice(0, MAX_VALUE)
  const messages = str(a.get('gen_ai.output.messages'))
  if (messages) return (lastMessageText(messages) ?? messages).slice(0, MAX_VALUE)
  const value = str(a.get('output.value'))
  if (value) {
    const json = str(a.get('output.mime_type'))?.toLowerCase().startsWith('application/json') ?? value.trimStart().startsWith('{')
    return ((json ? lastMessageText(value) : undefined) ?? value).slice(0, MAX_VALUE)
  }
  return cut(first(span, ['traceloop.entity.output']))
}

export const eventId = (span: OtlpSpan, what: string) => `otel:${span.traceId}:${span.spanId}:${what}`

/** A work span's step id: the tool call's own id when the span names it, else the span id. */
export const callIdOf = (span: OtlpSpan) => cut(first(span, ['gen_ai.tool.call.id']), 200) ?? span.spanId

function tokens(span: OtlpSpan): Record<string, number | Scalar> {
  const input = first(span, ['gen_ai.usage.input_tokens', 'llm.token_count.prompt', 'gen_ai.usage.prompt_tokens'])
  const output = first(span, ['gen_ai.usage.output_tokens', 'llm.token_count.completion', 'gen_ai.usage.completion_tokens'])
  if (input === undefined && output === undefined) return {}
  // A count that is not a number (a 64-bit string past 2^53) fails the tokens schema and refuses the span.
  const sum = (typeof input === 'number' ? input : input === undefined ? 0 : NaN) + (typeof output === 'number' ? output : output === undefined ? 0 : NaN)
  return { tokens: sum, ...(input === undefined ? {} : { input_tokens: input }), ...(output === undefined ? {} : { output_tokens: output }) }
}

/** An event before its owner is known: no agent_id yet, its time in epoch ms. */
export type Draft = Omit<Event, 'timestamp' | 'agent_id'> & { timestamp: number; agent_id?: string }

/** The session a span names (GenAI conversation, OpenInference session). */
export function sessionOf(span: OtlpSpan): { session_id?: string } {
  const conversation = str(first(span, ['gen_ai.conversation.id', 'session.id']))
  return conversation ? { session_id: conversation.slice(0, 200) } : {}
}

/** The two events of a tool or model span (one step: both carry its call id, and its parent step's when it has one). */
export function workDrafts(span: OtlpSpan, role: 'tool' | 'model', parent_id: string | undefined): Draft[] {
  const error = errorOf(span)
  const base = sessionOf(span)
  const link = { call_id: callIdOf(span), ...(parent_id ? { parent_id } : {}) }
  const duration_ms = Math.min(span.endMs - span.startMs, MAX_DURATION_MS)
  if (role === 'tool') {
    const tool = (str(first(span, ['gen_ai.tool.name', 'tool.name', 'traceloop.entity.name'])) ?? (span.name.replace(/^execute_tool\s+/, '') || 'tool')).slice(0, 200)
    const args = cut(first(span, ['gen_ai.tool.call.arguments', 'tool.parameters', 'input.value', 'traceloop.entity.input']))
    const result = cut(first(span, ['gen_ai.tool.call.result', 'output.value', 'traceloop.entity.output']))
    return [
      { id: eventId(span, 'tool-called'), timestamp: span.startMs, category: 'tool', action: 'called', ...base, payload: { tool, ...link, ...(args ? { args } : {}) } },
      error
        ? { id: eventId(span, 'tool-failed'), timestamp: span.endMs, category: 'tool', action: 'failed', ...base, payload: { tool, ...link, error, duration_ms } }
        : { id: eventId(span, 'tool-completed'), timestamp: span.endMs, category: 'tool', action: 'completed', ...base, payload: { tool, ...link, ...(result ? { result } : {}), duration_ms } },
    ]
  }
  const model = cut(first(span, ['gen_ai.request.model', 'gen_ai.response.model', 'llm.model_name']), 200)
  const m = model ? { model } : {}
  const input = cut(first(span, ['gen_ai.prompt', 'gen_ai.prompt.0.content', 'gen_ai.input.messages', 'input.value']), MAX_STEP_TEXT)
  const output = cut(first(span, ['gen_ai.completion', 'gen_ai.completion.0.content', 'gen_ai.output.messages', 'output.value']), MAX_STEP_TEXT)
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

/** An agent span's (or a root span's, for a trace with none) start and end: its outcome, with its name when known. */
export function lifeDrafts(span: OtlpSpan, name: string | undefined): Draft[] {
  const error = errorOf(span)
  const output = outputOf(span)
  const session = sessionOf(span)
  const started: Draft = { id: eventId(span, 'started'), timestamp: span.startMs, category: 'agent', action: 'started', ...session, payload: name ? { name } : {} }
  const ended: Draft = error
    ? { id: eventId(span, 'failed'), timestamp: span.endMs, category: 'agent', action: 'failed', ...session, payload: { error } }
    : { id: eventId(span, 'completed'), timestamp: span.endMs, category: 'agent', action: 'completed', ...session, payload: output ? { summary: output } : {} }
  return [started, ended]
}
