// An agent's context as labelled facts in words (state, turn, calls, tokens, what it waits on): what the inspector shows before the raw JSON.
import { AGENT_STATES, type AgentStateName } from '../machines/agent-states'
import type { AgentContext } from '../machines/agent.machine'
import type { StateValue } from 'xstate'
import { STATE_LABELS } from '../view-model/agent-book'
import { fact, type Fact } from './entry-facts'

const KNOWN: ReadonlySet<unknown> = new Set(AGENT_STATES)
const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v.toLocaleString('en-US') : undefined)

/** "Running (running)", or the bare value for a state this build has no words for. */
export function stateWords(value: StateValue | undefined): string {
  if (typeof value !== 'string') return value === undefined ? '—' : JSON.stringify(value)
  return KNOWN.has(value) ? `${STATE_LABELS[value as AgentStateName]} (${value})` : value
}

function tokens(c: Partial<AgentContext>): string | undefined {
  if (!c.tokens) return undefined
  const split = c.tokens_in || c.tokens_out ? ` (${n(c.tokens_in) ?? 0} in · ${n(c.tokens_out) ?? 0} out)` : ''
  return `${n(c.tokens)}${split}`
}

function waitingOn(c: Partial<AgentContext>, question: string | undefined): string | undefined {
  if (!c.awaiting) return undefined
  return question === undefined ? `a question (msg_id ${c.awaiting}); its text is not kept` : question
}

/** The facts of an agent's context at one moment; `question` is the text of the one it waits on, when known. */
export function contextFacts(value: StateValue | undefined, context: unknown, question?: string): Fact[] {
  const c = (context ?? {}) as Partial<AgentContext>
  const rejected = Array.isArray(c.rejected) && c.rejected.length ? `${c.rejected.length} (last: ${c.rejected.at(-1)?.reason ?? c.rejected.at(-1)?.type})` : undefined
  const unanswered = c.unanswered === 'timed_out' ? 'its last question timed out' : c.unanswered === 'withdrawn' ? 'its last question was withdrawn' : undefined
  const facts = [
    fact('state', stateWords(value)),
    fact('name', c.name !== c.agent_id ? c.name : undefined),
    fact('run', c.graph_id),
    fact('depends on', c.depends_on?.length ? c.depends_on.join(', ') : undefined),
    fact('turn', n(c.turn)),
    fact('tool calls', n(c.tool_calls)),
    fact('current tool', c.current_tool),
    fact('last tool', c.current_tool ? undefined : c.last_tool),
    fact('model calls', n(c.model_calls)),
    fact('tokens', tokens(c)),
    fact('waiting on', waitingOn(c, question)),
    fact('went on without an answer', unanswered),
    fact('waiting for its user', value === 'waiting' ? (c.waiting_reason ?? 'yes') : undefined),
    fact('error', c.error),
    fact('result', c.result),
    fact('events not applied', rejected),
  ]
  return facts.filter((f): f is Fact => f !== undefined)
}
