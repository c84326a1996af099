// What holds agents and runs up: an idle agent's dependency that is blocked or failed, a run with nothing
// running and questions pending. Read from the book's counts first, so a swarm with nothing stuck costs nothing.
import type { AgentBook, AgentFacts, StateCounts, WaitingOn } from './agent-book'

const stuck = (counts: Readonly<StateCounts>) => (counts.blocked ?? 0) + (counts.failed ?? 0)

/**
 * The first dependency of a waiting-to-start agent that is blocked (preferred: a person can free it) or failed.
 * O(1) while its graph has nothing blocked or failed; else O(depends_on), at most 1,000 by the wire schema.
 */
export function waitingOn(agent: AgentFacts, book: Pick<AgentBook, 'get' | 'graph' | 'stateCounts'>): WaitingOn | undefined {
  if (agent.state !== 'idle' || !agent.depends_on?.length) return undefined
  const counts = agent.graph_id === undefined ? book.stateCounts() : book.graph(agent.graph_id)
  if (stuck(counts) === 0) return undefined
  let failed: AgentFacts | undefined
  for (const id of agent.depends_on) {
    const dep = book.get(id)
    if (dep?.state === 'blocked') return { agent_id: dep.agent_id, name: dep.name, state: 'blocked' }
    if (dep?.state === 'failed') failed ??= dep
  }
  return failed && { agent_id: failed.agent_id, name: failed.name, state: 'failed' }
}

/** Questions a set of agents is stalled on: how many are blocked when none is working (running or resumed), else 0. */
export function stalledOn({ running, blocked }: { running: number; blocked: number }): number {
  return running === 0 ? blocked : 0
}
