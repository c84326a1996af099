// One-line human descriptions of bus events, for the event log.
import { wireName, type Event } from '../protocol/event'
import { answerSummary } from '../protocol/form'

// Long enough for a question or a short result; the full text is on the agent's card.
export const SUMMARY_MAX = 120

const text = (v: unknown): string => {
  if (v === undefined || v === null) return ''
  const s = typeof v === 'string' ? v : JSON.stringify(v)
  return (s ?? '').replace(/\s+/g, ' ').trim()
}

const clip = (s: string) => (s.length > SUMMARY_MAX ? `${s.slice(0, SUMMARY_MAX - 1)}…` : s)

const withDetail = (head: string, detail: unknown) => {
  const d = text(detail)
  return d ? `${head}: ${d}` : head
}

function agentSummary(e: Event): string {
  const p = e.payload
  switch (e.action) {
    case 'blocked':
      return withDetail('asked', p.question)
    case 'resumed':
      if (p.timed_out === true) return 'question timed out'
      if (p.cancelled === true) return withDetail('question withdrawn', typeof p.answered_by === 'string' ? `by ${p.answered_by}` : undefined)
      return withDetail('answered', p.answer === undefined ? undefined : `${answerSummary(p.answer)}${typeof p.answered_by === 'string' ? ` (${p.answered_by})` : ''}`)
    case 'completed':
      return withDetail('completed', p.result ?? p.summary)
    case 'failed':
      return withDetail('failed', p.error)
    case 'note':
      return withDetail('note', p.text)
    case 'waiting':
      return withDetail('waiting for its user', p.reason)
    default:
      return e.action
  }
}

function graphSummary(e: Event): string {
  if (e.action !== 'started') return `graph ${e.action}`
  const n = Array.isArray(e.payload.agents) ? e.payload.agents.length : 0
  return `graph started with ${n} agent${n === 1 ? '' : 's'}`
}

function modelSummary(e: Event): string {
  const model = text(e.payload.model)
  const tokens = typeof e.payload.tokens === 'number' ? `, ${e.payload.tokens} tokens` : ''
  return `model ${e.action}${model ? ` (${model})` : ''}${tokens}`
}

/** e.g. "asked: Which docstring style?", "tool ruff completed". */
export function summarizeEvent(e: Event): string {
  switch (e.category) {
    case 'agent':
      return clip(agentSummary(e))
    case 'tool': {
      const head = `tool ${text(e.payload.tool) || '?'} ${e.action}`
      return clip(e.action === 'failed' ? withDetail(head, e.payload.error) : head)
    }
    case 'model':
      return clip(modelSummary(e))
    case 'graph':
      return clip(graphSummary(e))
    case 'user':
      return clip(withDetail('user responded', e.payload.msg_id))
    default:
      return wireName(e)
  }
}
