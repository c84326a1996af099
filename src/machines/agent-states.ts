// An agent's state names and the two groups the rest of the code asks about, as plain data: views and the
// read model use them without loading XState.
export const AGENT_STATES = ['idle', 'running', 'blocked', 'resumed', 'done', 'failed', 'cancelled', 'skipped'] as const
export type AgentStateName = (typeof AGENT_STATES)[number]

/** The states an agent never leaves: agent.machine.ts's `type: 'final'` states (test/agent-states.test.ts holds them equal). */
export const FINAL_AGENT_STATES = ['done', 'failed', 'cancelled', 'skipped'] as const satisfies readonly AgentStateName[]
export type FinalAgentState = (typeof FINAL_AGENT_STATES)[number]

/** Working: running, or running on with an answer (resumed). Counted as running; may fall quiet. */
export const WORKING_AGENT_STATES = ['running', 'resumed'] as const satisfies readonly AgentStateName[]

const final: ReadonlySet<AgentStateName> = new Set(FINAL_AGENT_STATES)
const working: ReadonlySet<AgentStateName> = new Set(WORKING_AGENT_STATES)

export const isFinalState = (state: AgentStateName): state is FinalAgentState => final.has(state)
export const isWorkingState = (state: AgentStateName): boolean => working.has(state)
