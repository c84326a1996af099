// How agents are counted, wherever they are counted: the header, the agent panel, the runs list, a run's page, its
// graph and the snapshot all count through these, so the same agents give the same numbers everywhere.
import type { AgentStateName } from '../machines/agent-states'
import { STATE_LABELS, type StateCounts } from './agent-book'

/**
 * What an agent is counted as: its state, except that "answer received" (resumed) counts as running, everywhere:
 * both are working, and the agent list's "running" filter has always held both.
 */
export type CountedAs = Exclude<AgentStateName, 'resumed'>

const COUNTED_AS: Record<AgentStateName, CountedAs> = {
  idle: 'idle',
  running: 'running',
  resumed: 'running',
  blocked: 'blocked',
  waiting: 'waiting',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
  skipped: 'skipped',
}

export const countedAs = (state: AgentStateName): CountedAs => COUNTED_AS[state]

export interface Progress {
  total: number
  completed: number
  failed: number
  skipped: number
  blocked: number
  /** running or answer received: both are working */
  running: number
  /** of `running`, those whose answer was received and who have not acted on it yet */
  answered: number
  /** waiting to start */
  idle: number
  /** between turns, waiting for its own user (not for a card) */
  waiting: number
  cancelled: number
}

/** The one derivation of the numbers from counts per state. */
export function progressOf(counts: Readonly<StateCounts>): Progress {
  const by: Partial<Record<CountedAs, number>> = {}
  let total = 0
  for (const [state, n] of Object.entries(counts) as Array<[AgentStateName, number | undefined]>) {
    if (!n) continue
    total += n
    by[countedAs(state)] = (by[countedAs(state)] ?? 0) + n
  }
  const of = (c: CountedAs) => by[c] ?? 0
  return {
    total,
    completed: of('done'),
    failed: of('failed'),
    skipped: of('skipped'),
    blocked: of('blocked'),
    running: of('running'),
    answered: counts.resumed ?? 0,
    idle: of('idle'),
    waiting: of('waiting'),
    cancelled: of('cancelled'),
  }
}

const FIELD = { idle: 'idle', running: 'running', blocked: 'blocked', waiting: 'waiting', done: 'completed', failed: 'failed', cancelled: 'cancelled', skipped: 'skipped' } as const satisfies Record<CountedAs, keyof Progress>

/** How many agents are counted as `c`. */
export const countOf = (p: Progress, c: CountedAs): number => p[FIELD[c]]

/** What the running count holds beyond its name ("incl. 30 answer received"), said where it is shown. */
export function runningNote(progress: Pick<Progress, 'answered'>): string | undefined {
  return progress.answered ? `incl. ${progress.answered} ${STATE_LABELS.resumed.toLowerCase()}` : undefined
}

/** Counts per state of some agents (a run's, a graph's) from their states. */
export function countStates(states: Iterable<AgentStateName>): StateCounts {
  const counts: StateCounts = {}
  for (const s of states) counts[s] = (counts[s] ?? 0) + 1
  return counts
}

/** A pending question as counting needs it. */
export interface Asked {
  agent_id: string
  created_at: number
}

/** When each agent's latest pending question was asked. O(pending). */
export function askedAt(pending: Iterable<Asked>): Map<string, number> {
  const at = new Map<string, number>()
  for (const q of pending) if (!(q.created_at <= (at.get(q.agent_id) ?? -Infinity))) at.set(q.agent_id, q.created_at)
  return at
}

/**
 * The counts as shown: an agent with a pending question is counted blocked, whatever its actor holds. The record is
 * the one truth about a question, and its card is shown: the agent may have left memory (SWITCHBOARD_MAX_AGENTS),
 * been told "resumed" without naming the question, or never heard the announcement of a record written raw.
 * `stateOf`: the agent's state, undefined when it is not among the counted. O(agents with a pending question).
 */
export function withPending(counts: Readonly<StateCounts>, asked: ReadonlyMap<string, number>, stateOf: (agentId: string) => AgentStateName | undefined): StateCounts {
  const shown: StateCounts = { ...counts }
  for (const agentId of asked.keys()) {
    const state = stateOf(agentId)
    if (state === 'blocked') continue
    if (state !== undefined) shown[state] = (shown[state] ?? 1) - 1
    shown.blocked = (shown.blocked ?? 0) + 1
  }
  return shown
}

/** An agent as shown: waiting for the answer to its pending question since that question was asked, as its card says. */
export function asShown<A extends { state: AgentStateName; label: string; entered_at: number | null }>(agent: A & { agent_id: string }, asked: ReadonlyMap<string, number>): A {
  const at = asked.get(agent.agent_id)
  if (at === undefined) return agent
  const shown = { ...agent, state: 'blocked' as const, label: STATE_LABELS.blocked, entered_at: at }
  return 'quiet_for' in shown ? { ...shown, quiet_for: null } : shown
}

/** The numbers a run's line says: a run's graph (GraphView) has no idle or cancelled count of its own. */
export type CountedNumbers = Pick<Progress, 'total' | 'running' | 'blocked' | 'failed' | 'completed' | 'skipped'> & Partial<Pick<Progress, 'cancelled' | 'idle' | 'waiting'>>

/** "630 running, 10 blocked, 1 failed, 100 done, 1259 waiting to start": the same words wherever a run is counted. */
export function stateWords(p: CountedNumbers): string {
  const parts = [
    [p.running, 'running'],
    [p.blocked, 'blocked'],
    [p.waiting ?? 0, 'waiting for its user'],
    [p.failed, 'failed'],
    [p.completed, 'done'],
    [p.skipped, 'skipped'],
    [p.cancelled ?? 0, 'cancelled'],
    [p.idle ?? 0, 'waiting to start'],
  ] as const
  return parts
    .filter(([n]) => n > 0)
    .map(([n, what]) => `${n} ${what}`)
    .join(', ')
}

/** "2000 agents: 630 running, 10 blocked, …". */
export function countWords(p: CountedNumbers): string {
  const states = stateWords(p)
  return `${p.total} ${p.total === 1 ? 'agent' : 'agents'}${states ? `: ${states}` : ''}`
}
