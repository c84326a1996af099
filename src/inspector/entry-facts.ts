// What one received event carried, in words: the tool with its arguments and result, the model with its tokens, the question, the answer, the error.
import type { Event } from '../protocol/event'
import { blockedMsgId } from '../protocol/question'

/**
 * Characters kept of one carried value. The live inspector holds 500 entries for each of 200 actors: at this
 * bound a swarm sending long prompts costs it at most ~100 MB; the agent page has the whole step.
 */
export const FACT_CHARS = 1_000

export interface Fact {
  label: string
  /** at most FACT_CHARS characters */
  text: string
  /** characters of the value beyond `text` (0: it is whole) */
  cut: number
}

export interface EntryFacts {
  /** one line in words: `called grep`, `asked a question`, `model m-1 answered` */
  what: string
  facts: Fact[]
}

function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value) ?? String(value)
  } catch {
    // A cycle cannot come off the wire; a BigInt or the like from an in-process producer still must not throw.
    return String(value)
  }
}

/** A value as a fact, cut to FACT_CHARS; undefined when there is none. */
export function fact(label: string, value: unknown): Fact | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const text = textOf(value)
  return text.length > FACT_CHARS ? { label, text: text.slice(0, FACT_CHARS), cut: text.length - FACT_CHARS } : { label, text, cut: 0 }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined)

function tokensOf(p: Record<string, unknown>): string | undefined {
  const input = num(p.input_tokens)
  const output = num(p.output_tokens)
  const total = num(p.tokens)
  const t = (v: number) => v.toLocaleString('en-US')
  const parts = [input === undefined ? '' : `${t(input)} in`, output === undefined ? '' : `${t(output)} out`].filter(Boolean)
  if (total !== undefined && (!parts.length || total !== (input ?? 0) + (output ?? 0))) parts.push(`${t(total)} total`)
  return parts.length ? parts.join(' · ') : undefined
}

const present = (facts: Array<Fact | undefined>): Fact[] => facts.filter((f): f is Fact => f !== undefined)

function agentFacts(action: string, p: Record<string, unknown>, id: string): EntryFacts {
  switch (action) {
    case 'started':
      return { what: 'started', facts: present([fact('name', p.name)]) }
    case 'blocked': {
      const options = Array.isArray(p.options) && p.options.length ? p.options.map(textOf).join(' · ') : undefined
      return { what: 'asked a question', facts: present([fact('question', p.question), fact('options', options), fact('msg_id', blockedMsgId({ id, payload: p }))]) }
    }
    case 'resumed': {
      const without = p.timed_out === true ? 'timed out' : p.cancelled === true ? 'withdrawn' : undefined
      if (without) return { what: `went on without an answer (${without})`, facts: present([fact('msg_id', p.msg_id)]) }
      return { what: 'got its answer', facts: present([fact('answer', p.answer), fact('answered by', p.answered_by ?? p.by), fact('msg_id', p.msg_id)]) }
    }
    case 'completed':
      return { what: 'completed', facts: present([fact('result', p.result), fact('summary', p.summary)]) }
    case 'failed':
      return { what: 'failed', facts: present([fact('error', p.error ?? 'unknown error')]) }
    case 'waiting':
      return { what: 'waits for its user', facts: present([fact('reason', p.reason)]) }
    case 'note':
      return { what: 'noted', facts: present([fact('note', p.text)]) }
    default:
      return { what: action === 'cancelled' ? 'was cancelled' : action === 'skipped' ? 'was skipped' : action, facts: present([fact('reason', p.reason)]) }
  }
}

function toolFacts(action: string, p: Record<string, unknown>): EntryFacts {
  const tool = str(p.tool) ?? 'a tool'
  const call = fact('call_id', p.call_id)
  if (action === 'called' || action === 'started')
    return { what: `${action === 'called' ? 'called' : 'started'} ${tool}`, facts: present([fact('arguments', p.args ?? p.arguments ?? p.input), call]) }
  if (action === 'failed') return { what: `${tool} failed`, facts: present([fact('error', p.error ?? 'failed'), call]) }
  return { what: `${tool} returned`, facts: present([fact('result', p.result ?? p.output), fact('took', durationOf(p)), call]) }
}

const durationOf = (p: Record<string, unknown>) => (num(p.duration_ms) === undefined ? undefined : `${num(p.duration_ms)} ms`)

function modelFacts(action: string, p: Record<string, unknown>): EntryFacts {
  const model = str(p.model)
  const facts = present([fact('tokens', tokensOf(p)), fact(action === 'request' ? 'prompt' : 'completion', action === 'request' ? p.input : p.output), fact('error', p.error), fact('took', durationOf(p))])
  if (action === 'request') return { what: model ? `asked ${model}` : 'asked the model', facts }
  return { what: model ? `${model} answered` : 'the model answered', facts }
}

/** The facts of a wire event, or undefined for one no agent sends (graph, user). */
export function eventFacts(e: Pick<Event, 'id' | 'category' | 'action' | 'payload'>): EntryFacts | undefined {
  const p = e.payload ?? {}
  if (e.category === 'agent') return agentFacts(e.action, p, e.id)
  if (e.category === 'tool') return toolFacts(e.action, p)
  if (e.category === 'model') return modelFacts(e.action, p)
  return undefined
}

/** The facts of what an actor received: a machine event carrying a wire event, or undefined (XState's own). */
export function receivedFacts(machineEvent: unknown): EntryFacts | undefined {
  const wire = (machineEvent as { event?: Partial<Event> } | undefined)?.event
  if (typeof wire?.category !== 'string' || typeof wire.action !== 'string') return undefined
  const payload = wire.payload !== null && typeof wire.payload === 'object' ? wire.payload : {}
  return eventFacts({ id: typeof wire.id === 'string' ? wire.id : '', category: wire.category, action: wire.action, payload })
}
