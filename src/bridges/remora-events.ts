// Remora's `remora serve` SSE events (typed dataclasses: {kind, type, graph_id, agent_id, timestamp in seconds, payload}) → Switchboard events.
import { createHash } from 'node:crypto'
import { validateEvent, type Category, type Event } from '../protocol/event'
import { MAX_TEXT } from '../protocol/limits'

export interface RemoraEnvelope {
  kind?: unknown
  type?: unknown
  graph_id?: unknown
  agent_id?: unknown
  timestamp?: unknown
  payload?: unknown
}

/** A HumanInputRequestEvent, as the question it asks. */
export interface RemoraQuestion {
  request_id: string
  agent_id: string
  graph_id?: string
  question: string
  options?: string[]
}

export type Mapped = { event: Event } | { question: RemoraQuestion } | { answered: { request_id: string; response: string } } | { skip: string } | { ignored: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined)
const text = (v: unknown, max = MAX_TEXT) => (v === undefined || v === null ? undefined : (typeof v === 'string' ? v : JSON.stringify(v) ?? '').slice(0, max) || undefined)
const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined)

/** The Switchboard msg_id of a Remora request_id: its own namespace, so no other question can take it. */
export const msgIdOf = (requestId: string) => `remora:${requestId}`
export const requestIdOf = (msgId: string) => (msgId.startsWith('remora:') ? msgId.slice('remora:'.length) : undefined)

/** Seconds (Remora's float epoch) → ms; anything else → now, as ingest would refuse it otherwise. */
function millis(seconds: unknown): number {
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : Date.now()
}

function toolEvent(type: string, p: Record<string, unknown>): { category: Category; action: string; payload: Record<string, unknown> } | undefined {
  const tool = (str(p.tool_name) ?? str(p.name) ?? str(p.tool) ?? 'tool').slice(0, 200)
  if (type === 'ToolCallEvent') return { category: 'tool', action: 'called', payload: { tool, ...(p.arguments !== undefined ? { args: text(p.arguments, 2000) } : {}) } }
  const error = p.is_error === true || p.error ? (text(p.error ?? p.output ?? p.result) ?? 'failed') : undefined
  if (error) return { category: 'tool', action: 'failed', payload: { tool, error } }
  const result = text(p.output ?? p.result, 2000)
  return { category: 'tool', action: 'completed', payload: { tool, ...(result ? { result } : {}) } }
}

function modelEvent(type: string, p: Record<string, unknown>) {
  const model = str(p.model)?.slice(0, 200)
  const input = count(p.prompt_tokens ?? p.input_tokens)
  const output = count(p.completion_tokens ?? p.output_tokens)
  const total = count(p.total_tokens) ?? (input !== undefined || output !== undefined ? (input ?? 0) + (output ?? 0) : undefined)
  const tokens = type === 'ModelResponseEvent' && total !== undefined ? { tokens: total, ...(input !== undefined ? { input_tokens: input } : {}), ...(output !== undefined ? { output_tokens: output } : {}) } : {}
  return { category: 'model' as const, action: type === 'ModelRequestEvent' ? 'request' : 'response', payload: { ...(model ? { model } : {}), ...tokens } }
}

/** One SSE `data:` line of Remora's stream, read; `raw` names the event (its id is a hash of it: a repeat is a duplicate). */
export function mapRemoraEvent(raw: string): Mapped {
  let data: RemoraEnvelope
  try {
    data = JSON.parse(raw) as RemoraEnvelope
  } catch {
    return { skip: 'data is not JSON' }
  }
  if (!isObject(data) || typeof data.type !== 'string') return { skip: 'no event type' }
  const p = isObject(data.payload) ? data.payload : {}
  const agent_id = str(data.agent_id) ?? str(p.agent_id)
  const graph_id = str(data.graph_id) ?? str(p.graph_id)
  const type = data.type
  if (type === 'HumanInputRequestEvent') {
    const request_id = str(p.request_id)
    const question = str(p.question)
    if (!request_id || !question || !agent_id) return { skip: 'HumanInputRequestEvent without request_id, question or agent_id' }
    const options = Array.isArray(p.options) ? p.options.map((o) => String(o)) : undefined
    return { question: { request_id, agent_id, graph_id, question, ...(options?.length ? { options } : {}) } }
  }
  if (type === 'HumanInputResponseEvent') {
    const request_id = str(p.request_id)
    return request_id ? { answered: { request_id, response: text(p.response) ?? '' } } : { skip: 'HumanInputResponseEvent without request_id' }
  }
  let shaped: { category: Category; action: string; payload: Record<string, unknown> } | undefined
  if (type === 'AgentStartEvent') shaped = { category: 'agent', action: 'started', payload: str(p.node_name) ? { name: String(p.node_name).slice(0, 200) } : {} }
  else if (type === 'AgentCompleteEvent') {
    const summary = text(p.result_summary)
    shaped = { category: 'agent', action: 'completed', payload: { ...(summary ? { summary } : {}), ...(p.response !== undefined ? { result: text(p.response) } : {}) } }
  } else if (type === 'AgentErrorEvent') shaped = { category: 'agent', action: 'failed', payload: { error: text(p.error) ?? 'failed' } }
  else if (type === 'ToolCallEvent' || type === 'ToolResultEvent') shaped = toolEvent(type, p)
  else if (type === 'ModelRequestEvent' || type === 'ModelResponseEvent') shaped = modelEvent(type, p)
  // Kernel, turn and message events have no place on the dashboard.
  if (!shaped) return { ignored: type }
  const id = `remora:${createHash('sha256').update(raw).digest('hex').slice(0, 32)}`
  const checked = validateEvent({ id, timestamp: millis(data.timestamp ?? p.timestamp), ...shaped, ...(agent_id ? { agent_id } : {}), ...(graph_id ? { graph_id } : {}) })
  return checked.ok ? { event: checked.event } : { skip: `${type}: ${checked.field} ${checked.reason}` }
}
