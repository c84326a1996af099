// The agent machine's transitions by kind: the finishes, a note, a wait, work (within a turn, or opening the next,
// or late work of the ended turn) and what opens a turn. Definitions only: agent.machine.ts names the actions.
import type { AgentStateName } from './agent-states'

export function entered(state: AgentStateName) {
  return { type: 'markEntered', params: { state } } as const
}

export function reject(state: AgentStateName) {
  return { actions: { type: 'recordRejected', params: { state } } } as const
}

export const FINISH = {
  AGENT_COMPLETED: { target: 'done', actions: ['recordResult', 'stopWork', 'settleTurn', 'touch'] },
  AGENT_FAILED: { target: 'failed', actions: ['recordError', 'stopWork', 'settleTurn', 'touch'] },
  AGENT_CANCELLED: { target: 'cancelled', actions: ['stopWork', 'settleTurn', 'touch'] },
  AGENT_SKIPPED: { target: 'skipped', actions: ['stopWork', 'settleTurn', 'touch'] },
} as const

type FinishType = keyof typeof FINISH

export function finish<T extends FinishType>(types: T[]): Pick<typeof FINISH, T> {
  return Object.fromEntries(types.map((t) => [t, FINISH[t]])) as Pick<typeof FINISH, T>
}

export const ALL_FINISH: FinishType[] = ['AGENT_COMPLETED', 'AGENT_FAILED', 'AGENT_CANCELLED', 'AGENT_SKIPPED']

/** A note goes on the agent's page (the steps) and says it is alive; it never moves it. */
export const NOTE = { AGENT_NOTE: { actions: 'touch' } } as const

export const WAIT = { AGENT_WAITING: { target: 'waiting', actions: ['recordWaiting', 'stopWork', 'settleTurn', 'touch'] } } as const

/**
 * Tool and model events: context only, or also a move (resumed → running; the next turn, opened from an end or
 * from waiting). They are most of the traffic, so each is one assign that touches too: XState rebuilds the
 * whole snapshot after every assign.
 */
export function work<S extends 'running' | undefined>(target: S, opens = false) {
  const tool = { target, actions: opens ? (['openTurn', 'recordTool'] as const) : (['recordTool'] as const) }
  const model = { target, actions: opens ? (['openTurn', 'recordModel'] as const) : (['recordModel'] as const) }
  return {
    TOOL_CALLED: tool,
    TOOL_STARTED: tool,
    TOOL_COMPLETED: tool,
    TOOL_FAILED: tool,
    MODEL_REQUEST: model,
    MODEL_RESPONSE: model,
  }
}

/** The first word from an agent, or its first after an end or while waiting: a turn opens. */
export const OPEN = {
  AGENT_STARTED: { target: 'running', actions: ['openTurn', 'applyStarted', 'touch'] },
  // The first word from an agent may be its question: a question written straight into the
  // workspace, or one re-announced after a restart of Switchboard.
  AGENT_BLOCKED: { target: 'blocked', actions: ['openTurn', 'recordQuestion', 'touch'] },
} as const

/** Work that belongs to the ended turn (`late: true`): counted there, no next turn; other work opens one. */
export function lateOrNext() {
  const opens = work('running', true)
  const late = { TOOL: { guard: 'late', actions: ['recordTool'] }, MODEL: { guard: 'late', actions: ['recordModel'] } } as const
  return {
    TOOL_CALLED: [late.TOOL, opens.TOOL_CALLED],
    TOOL_STARTED: [late.TOOL, opens.TOOL_STARTED],
    TOOL_COMPLETED: [late.TOOL, opens.TOOL_COMPLETED],
    TOOL_FAILED: [late.TOOL, opens.TOOL_FAILED],
    MODEL_REQUEST: [late.MODEL, opens.MODEL_REQUEST],
    MODEL_RESPONSE: [late.MODEL, opens.MODEL_RESPONSE],
  }
}
