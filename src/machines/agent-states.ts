// An agent's state names and the groups the rest of the code asks about, as plain data: views and the
// read model use them without loading XState.
export const AGENT_STATES = ['idle', 'running', 'blocked', 'resumed', 'waiting', 'done', 'failed', 'cancelled', 'skipped'] as const
export type AgentStateName = (typeof AGENT_STATES)[number]

/**
 * Ended: where agent.machine.ts's finishing events (completed, failed, cancelled, skipped) lead. Not final: any
 * activity opens the agent's next turn (test/agent-states.test.ts holds them equal to the machine).
 */
export const ENDED_AGENT_STATES = ['done', 'failed', 'cancelled', 'skipped'] as const satisfies readonly AgentStateName[]
export type EndedAgentState = (typeof ENDED_AGENT_STATES)[number]
/** The name these had while an agent could never leave them; kept, meaning "ended". */
export const FINAL_AGENT_STATES = ENDED_AGENT_STATES
export type FinalAgentState = EndedAgentState

/** Working: running, or running on with an answer (resumed). Counted as running; may fall quiet. */
export const WORKING_AGENT_STATES = ['running', 'resumed'] as const satisfies readonly AgentStateName[]

const endedSet: ReadonlySet<AgentStateName> = new Set(ENDED_AGENT_STATES)
const working: ReadonlySet<AgentStateName> = new Set(WORKING_AGENT_STATES)

export const isEndedState = (state: AgentStateName): state is EndedAgentState => endedSet.has(state)
/** The name isEndedState had; kept. */
export const isFinalState = isEndedState
export const isWorkingState = (state: AgentStateName): boolean => working.has(state)
