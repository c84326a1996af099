// The life of one agent: a definition only, fed machine events mapped from the bus. An agent lives through turns:
// ended (done, failed, cancelled, skipped) or waiting for its own user until activity opens the next one.
import { and, assign, setup } from 'xstate'
import { wireName } from '../protocol/event'
import { blockedMsgId } from '../protocol/question'
import type { AgentStateName } from './agent-states'
import { ACTIVE_TOOL, addUsage, noteTool, payloadOf, str, timeOf, toolCount, type ModelUsage, type ToolCallNote } from './agent-work'
import type { AgentMachineEvent } from './machine-events'
import { ALL_FINISH, entered, finish, lateOrNext, NOTE, OPEN, reject, WAIT, work } from './agent-transitions'

export { AGENT_STATES, ENDED_AGENT_STATES, FINAL_AGENT_STATES, type AgentStateName } from './agent-states'
export { MAX_MODELS, MAX_RECENT_TOOLS, TOOL_NOTE_LENGTH, type ModelUsage, type ToolCallNote } from './agent-work'

export interface AgentInput {
  agent_id: string
  name?: string
  graph_id?: string
  depends_on?: string[]
  /** epoch ms the agent was first seen; stamps `idle` in `transitions` */
  created_at?: number
  /** an agent re-created after it left memory: the turn its stored events have reached, which its first activity goes on from */
  turn?: number
}

/**
 * A tool or model event with `late: true` is work of the turn that already ended (an OTLP span that arrived after its
 * agent's end): it is counted and stepped there, it does not open a next turn. `agent:failed` with `late: true` fails
 * an agent that had completed (the run around it failed after its part ended), without a turn of its own.
 */
export const LATE = 'late'

export interface RejectedEvent {
  type: string
  state: AgentStateName
  at: number
  /** why it could not apply, in words a producer can act on */
  reason?: string
}

/** A question the agent went on without: it timed out, or was withdrawn (the wire's `cancelled`). */
export type Unanswered = 'timed_out' | 'withdrawn'

export interface AgentContext {
  agent_id: string
  name: string
  /** the name came with the graph's announcement: a name the agent reports does not replace it */
  name_given?: true
  graph_id?: string
  depends_on: string[]
  /** 0 before its first activity, 1 on it, +1 each time activity arrives after it ended or while it waited */
  turn: number
  /** re-created after it left memory: the turn its stored events reached (its first activity is at least that turn) */
  known_turn?: number
  /** msg_id of the question it is blocked on: the question itself lives in its record, not here */
  awaiting: string | null
  /** it resumed without an answer to its last question; cleared by the next question or turn */
  unanswered: Unanswered | null
  /** what agent:waiting said it waits for, while it waits */
  waiting_reason?: string
  result?: unknown
  error?: string
  tool_calls: number
  model_calls: number
  /** every token reported, input and output and any not split */
  tokens: number
  tokens_in: number
  tokens_out: number
  /** per model, for pricing: at most MAX_MODELS named ones */
  usage: ModelUsage[]
  current_tool: string | null
  last_tool: string | null
  /** the last MAX_RECENT_TOOLS tool calls, oldest first */
  recent_tools: ToolCallNote[]
  transitions: Partial<Record<AgentStateName, number>>
  entered_at: number | null
  updated_at: number | null
  /** events that did not fit the state they arrived in, newest last */
  rejected: RejectedEvent[]
}

/** The tag of the ended states (agent-states.ts's ENDED_AGENT_STATES; test/agent-states.test.ts holds them equal). */
export const ENDED_TAG = 'ended'

// Enough to diagnose a misbehaving producer without letting a chatty one grow the context.
export const MAX_REJECTED = 20

/** An ended agent: any activity opens its next turn; it may also wait for its user first. */
function ended(state: AgentStateName) {
  // A completed agent failed late (the run around it failed): failed, in the same turn.
  const lateFailure = state === 'done' ? ({ AGENT_FAILED: { guard: 'late', target: 'failed', actions: ['recordError', 'touch'] } } as const) : {}
  return {
    // What `type: 'final'` said before agents had turns: the inspector draws these as ends.
    tags: [ENDED_TAG],
    entry: entered(state),
    on: { ...OPEN, ...lateOrNext(), ...WAIT, ...NOTE, ...lateFailure, '*': reject(state) },
  }
}

export const agentMachine = setup({
  types: {
    context: {} as AgentContext,
    events: {} as AgentMachineEvent,
    input: {} as AgentInput,
  },
  actions: {
    touch: assign({ updated_at: ({ event }) => timeOf(event) }),
    markEntered: assign(({ context, event }, params: { state: AgentStateName }) => {
      const at = timeOf(event)
      return { entered_at: at, transitions: { ...context.transitions, [params.state]: at } }
    }),
    openTurn: assign(({ context }) => ({ turn: Math.max(context.turn + 1, context.known_turn ?? 0), known_turn: undefined, unanswered: null, waiting_reason: undefined })),
    // Re-created, it ends or waits before any activity: that turn is the one its stored events reached.
    settleTurn: assign(({ context }) => (context.known_turn === undefined ? {} : { turn: Math.max(context.turn, context.known_turn), known_turn: undefined })),
    applyStarted: assign({
      // A name given by the graph announcement wins; else the latest name the agent reported (a first guess, such as
      // an OTLP service's name, gives way to the agent span's own).
      name: ({ context, event }) => (context.name_given ? context.name : (str(payloadOf(event).name) ?? context.name)),
    }),
    recordQuestion: assign({ awaiting: ({ event }) => (event.event ? blockedMsgId(event.event) : null), unanswered: null }),
    clearQuestion: assign({ awaiting: null }),
    recordUnanswered: assign({ unanswered: ({ event }) => (payloadOf(event).timed_out === true ? 'timed_out' : 'withdrawn') }),
    recordWaiting: assign({ waiting_reason: ({ event }) => str(payloadOf(event).reason) }),
    recordResult: assign({ result: ({ event }) => payloadOf(event).result ?? payloadOf(event).summary }),
    recordError: assign({ error: ({ event }) => str(payloadOf(event).error) ?? 'unknown error' }),
    stopWork: assign({ awaiting: null, current_tool: null }),
    recordTool: assign(({ context, event }) => {
      const tool = str(payloadOf(event).tool) ?? context.current_tool ?? 'unknown'
      const tool_calls = toolCount(context, event)
      return {
        recent_tools: noteTool(context, event, tool, tool_calls > context.tool_calls),
        tool_calls,
        current_tool: ACTIVE_TOOL.has(event.type) ? tool : null,
        last_tool: tool,
        updated_at: timeOf(event),
      }
    }),
    recordModel: assign(({ context, event }) => {
      const { usage, input, output, total } = addUsage(context.usage, payloadOf(event))
      return {
        model_calls: context.model_calls + (event.type === 'MODEL_REQUEST' ? 1 : 0),
        tokens: context.tokens + total,
        tokens_in: context.tokens_in + input,
        tokens_out: context.tokens_out + output,
        usage,
        updated_at: timeOf(event),
      }
    }),
    recordRejected: assign(({ context, event }, params: { state: AgentStateName }) => ({
      rejected: [...context.rejected, { type: event.type, state: params.state, at: timeOf(event), reason: whyRejected(context, event, params.state) }].slice(-MAX_REJECTED),
    })),
  },
  guards: {
    // A late answer to an earlier question must not unblock the agent from the current one.
    unanswered: ({ event }) => payloadOf(event).timed_out === true || payloadOf(event).cancelled === true,
    answersQuestion: ({ context, event }) => {
      const msgId = payloadOf(event).msg_id
      return msgId === undefined || context.awaiting === null || context.awaiting === msgId
    },
    // The same question announced again (a restart, a retry) is not a new wait: its card's time stands.
    asksAnew: ({ context, event }) => (event.event ? blockedMsgId(event.event) : null) !== context.awaiting,
    late: ({ event }) => payloadOf(event)[LATE] === true,
  },
}).createMachine({
  id: 'agent',
  initial: 'idle',
  context: ({ input }) => ({
    agent_id: input.agent_id,
    name: input.name ?? input.agent_id,
    ...(input.name === undefined ? {} : { name_given: true as const }),
    graph_id: input.graph_id,
    depends_on: input.depends_on ?? [],
    turn: 0,
    ...(input.turn ? { known_turn: input.turn } : {}),
    awaiting: null,
    unanswered: null,
    tool_calls: 0,
    model_calls: 0,
    tokens: 0,
    tokens_in: 0,
    tokens_out: 0,
    usage: [],
    current_tool: null,
    last_tool: null,
    recent_tools: [],
    transitions: input.created_at === undefined ? {} : { idle: input.created_at },
    entered_at: input.created_at ?? null,
    updated_at: input.created_at ?? null,
    rejected: [],
  }),
  states: {
    idle: {
      on: {
        ...OPEN,
        // Work before any start: the agent is evidently at work (or back after it left memory), not waiting to start.
        ...work('running', true),
        ...WAIT,
        ...NOTE,
        ...finish(['AGENT_FAILED', 'AGENT_CANCELLED', 'AGENT_SKIPPED']),
        '*': reject('idle'),
      },
    },
    running: {
      entry: entered('running'),
      on: {
        AGENT_STARTED: { actions: ['applyStarted', 'touch'] },
        AGENT_BLOCKED: { target: 'blocked', actions: ['recordQuestion', 'touch'] },
        ...work(undefined),
        ...WAIT,
        ...NOTE,
        ...finish(ALL_FINISH),
        '*': reject('running'),
      },
    },
    blocked: {
      entry: entered('blocked'),
      on: {
        // Re-asked with a new question: the latest one is what the agent waits on, and its wait starts now
        // (so the badge's time and its card's agree).
        AGENT_BLOCKED: [{ guard: 'asksAnew', actions: ['recordQuestion', entered('blocked'), 'touch'] }, { actions: ['recordQuestion', 'touch'] }],
        AGENT_RESUMED: [
          // No answer came (timed out, withdrawn): the agent goes on without one, not "Answer received".
          { guard: and(['answersQuestion', 'unanswered']), target: 'running', actions: ['clearQuestion', 'recordUnanswered', 'touch'] },
          { guard: 'answersQuestion', target: 'resumed', actions: ['clearQuestion', 'touch'] },
          { actions: reject('blocked').actions },
        ],
        ...NOTE,
        ...finish(ALL_FINISH),
        '*': reject('blocked'),
      },
    },
    // Shown until the agent acts again, so the answer is visibly taken up.
    resumed: {
      entry: entered('resumed'),
      on: {
        AGENT_STARTED: { target: 'running', actions: ['applyStarted', 'touch'] },
        AGENT_BLOCKED: { target: 'blocked', actions: ['recordQuestion', 'touch'] },
        ...work('running'),
        ...WAIT,
        ...NOTE,
        ...finish(ALL_FINISH),
        '*': reject('resumed'),
      },
    },
    // Between turns, waiting for its own user (not for a card): it may also end from here.
    waiting: {
      entry: entered('waiting'),
      on: { ...OPEN, ...work('running', true), AGENT_WAITING: { actions: ['recordWaiting', 'touch'] }, ...NOTE, ...finish(ALL_FINISH), '*': reject('waiting') },
    },
    // Ended, not final: a session goes on when its agent works again.
    done: ended('done'),
    failed: ended('failed'),
    cancelled: ended('cancelled'),
    skipped: ended('skipped'),
  },
})

/** Why an event could not apply: said in the 202's `ignored_events`, so a producer learns what was not taken. */
function whyRejected(context: AgentContext, event: AgentMachineEvent, state: AgentStateName): string {
  const name = event.event ? wireName(event.event) : event.type
  if (event.type === 'AGENT_RESUMED' && state === 'blocked') return `${name} answers ${String(payloadOf(event).msg_id).slice(0, 200)}, but the agent waits on ${context.awaiting ?? 'no question'}`
  if (event.type === 'AGENT_RESUMED') return `${name}: the agent is ${state}, not waiting on a question`
  return `${name} does not apply to an agent that is ${state}`
}
