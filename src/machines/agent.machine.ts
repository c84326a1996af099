// The life of one agent: a definition only, fed machine events mapped from the bus.
import { and, assign, setup } from 'xstate'
import { blockedMsgId } from '../protocol/question'
import type { AgentStateName } from './agent-states'
import type { AgentMachineEvent } from './machine-events'

export { AGENT_STATES, FINAL_AGENT_STATES, type AgentStateName } from './agent-states'

export interface AgentInput {
  agent_id: string
  name?: string
  graph_id?: string
  depends_on?: string[]
  /** epoch ms the agent was first seen; stamps `idle` in `transitions` */
  created_at?: number
}

export interface RejectedEvent {
  type: string
  state: AgentStateName
  at: number
}

/** One tool call as a card shows it: what led to a question. Strings cut short. */
export interface ToolCallNote {
  tool: string
  args?: string
  result?: string
  error?: string
  at: number
}

/** Tokens one model used, as the agent reported them; `model: null` is unnamed (or past MAX_MODELS). */
export interface ModelUsage {
  model: string | null
  input: number
  output: number
  /** the total reported: input + output, or more when some were of neither kind */
  total: number
}

export interface AgentContext {
  agent_id: string
  name: string
  graph_id?: string
  depends_on: string[]
  /** msg_id of the question it is blocked on: the question itself lives in its record, not here */
  awaiting: string | null
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

// Enough to diagnose a misbehaving producer without letting a chatty one grow the context.
export const MAX_REJECTED = 20
export const MAX_RECENT_TOOLS = 5
/** models tracked by name per agent; more are counted unnamed (and so unpriced) */
export const MAX_MODELS = 8
/** characters kept of a tool call's arguments, result or error */
export const TOOL_NOTE_LENGTH = 300

/** A value as short text: strings as they are, anything else as JSON, cut with an ellipsis. */
function brief(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  let text: string
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return text.length > TOOL_NOTE_LENGTH ? `${text.slice(0, TOOL_NOTE_LENGTH)}…` : text
}

/** The recent calls after a tool event: a new call noted, or the open one closed with its result or error. */
function noteTool(context: AgentContext, e: AgentMachineEvent, tool: string, isNewCall: boolean): ToolCallNote[] {
  const p = payloadOf(e)
  const notes = context.recent_tools
  if (ACTIVE_TOOL.has(e.type)) {
    if (!isNewCall) return notes
    const note: ToolCallNote = { tool, at: timeOf(e) }
    const args = brief(p.args ?? p.arguments ?? p.input)
    if (args !== undefined) note.args = args
    return [...notes, note].slice(-MAX_RECENT_TOOLS)
  }
  const open = notes.findLastIndex((n) => n.tool === tool && n.result === undefined && n.error === undefined)
  const closed: ToolCallNote = open === -1 ? { tool, at: timeOf(e) } : { ...notes[open]! }
  if (e.type === 'TOOL_FAILED') closed.error = brief(p.error) ?? 'failed'
  else closed.result = brief(p.result ?? p.output) ?? 'done'
  return open === -1 ? [...notes, closed].slice(-MAX_RECENT_TOOLS) : notes.map((n, i) => (i === open ? closed : n))
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
// Synthetic events (graph traversal in tests and the inspector send `{ type }` alone) carry no
// wire event: read through these so such an event is handled, not thrown on.
const payloadOf = (e: AgentMachineEvent): Record<string, unknown> => e.event?.payload ?? {}
const timeOf = (e: AgentMachineEvent): number => e.event?.timestamp ?? Date.now()

function toolCount(context: AgentContext, e: AgentMachineEvent): number {
  if (e.type === 'TOOL_CALLED') return context.tool_calls + 1
  // Producers may send called+started for one call, or started alone: count a start once.
  if (e.type === 'TOOL_STARTED' && context.current_tool !== str(payloadOf(e).tool)) return context.tool_calls + 1
  return context.tool_calls
}

const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0)

/** The usage after a model event: its tokens added to its model's entry (created if there is room). */
function addUsage(usage: readonly ModelUsage[], p: Record<string, unknown>): { usage: ModelUsage[]; input: number; output: number; total: number } {
  const input = count(p.input_tokens)
  const output = count(p.output_tokens)
  const total = Math.max(count(p.tokens), input + output)
  if (total === 0) return { usage: [...usage], input, output, total }
  let model = str(p.model) ?? null
  if (model !== null && !usage.some((u) => u.model === model) && usage.filter((u) => u.model !== null).length >= MAX_MODELS) model = null
  const at = usage.findIndex((u) => u.model === model)
  const before = at === -1 ? { model, input: 0, output: 0, total: 0 } : usage[at]!
  const after = { model, input: before.input + input, output: before.output + output, total: before.total + total }
  return { usage: at === -1 ? [...usage, after] : usage.map((u, i) => (i === at ? after : u)), input, output, total }
}

const ACTIVE_TOOL = new Set(['TOOL_CALLED', 'TOOL_STARTED'])

function entered(state: AgentStateName) {
  return { type: 'markEntered', params: { state } } as const
}

function reject(state: AgentStateName) {
  return { actions: { type: 'recordRejected', params: { state } } } as const
}

const FINISH = {
  AGENT_COMPLETED: { target: 'done', actions: ['recordResult', 'stopWork', 'touch'] },
  AGENT_FAILED: { target: 'failed', actions: ['recordError', 'stopWork', 'touch'] },
  AGENT_CANCELLED: { target: 'cancelled', actions: ['stopWork', 'touch'] },
  AGENT_SKIPPED: { target: 'skipped', actions: ['stopWork', 'touch'] },
} as const

type FinishType = keyof typeof FINISH

function finish<T extends FinishType>(types: T[]): Pick<typeof FINISH, T> {
  return Object.fromEntries(types.map((t) => [t, FINISH[t]])) as Pick<typeof FINISH, T>
}

/**
 * Tool and model events: context only, or also a move (resumed → running). They are most of the traffic,
 * so each is one assign that touches too: XState rebuilds the whole snapshot after every assign.
 */
function work<S extends 'running' | undefined>(target: S) {
  const tool = { target, actions: ['recordTool'] } as const
  const model = { target, actions: ['recordModel'] } as const
  return {
    TOOL_CALLED: tool,
    TOOL_STARTED: tool,
    TOOL_COMPLETED: tool,
    TOOL_FAILED: tool,
    MODEL_REQUEST: model,
    MODEL_RESPONSE: model,
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
    applyStarted: assign({
      // A name given by the graph announcement wins; the agent's own name fills in for none.
      name: ({ context, event }) =>
        context.name === context.agent_id ? (str(payloadOf(event).name) ?? context.name) : context.name,
    }),
    recordQuestion: assign({ awaiting: ({ event }) => (event.event ? blockedMsgId(event.event) : null) }),
    clearQuestion: assign({ awaiting: null }),
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
      rejected: [...context.rejected, { type: event.type, state: params.state, at: timeOf(event) }].slice(-MAX_REJECTED),
    })),
  },
  guards: {
    // A late answer to an earlier question must not unblock the agent from the current one.
    unanswered: ({ event }) => payloadOf(event).timed_out === true || payloadOf(event).cancelled === true,
    answersQuestion: ({ context, event }) => {
      const msgId = payloadOf(event).msg_id
      return msgId === undefined || context.awaiting === null || context.awaiting === msgId
    },
  },
}).createMachine({
  id: 'agent',
  initial: 'idle',
  context: ({ input }) => ({
    agent_id: input.agent_id,
    name: input.name ?? input.agent_id,
    graph_id: input.graph_id,
    depends_on: input.depends_on ?? [],
    awaiting: null,
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
        AGENT_STARTED: { target: 'running', actions: ['applyStarted', 'touch'] },
        // The first word from an agent may be its question: a question written straight into the
        // workspace, or one re-announced after a restart of Switchboard.
        AGENT_BLOCKED: { target: 'blocked', actions: ['recordQuestion', 'touch'] },
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
        ...finish(['AGENT_COMPLETED', 'AGENT_FAILED', 'AGENT_CANCELLED', 'AGENT_SKIPPED']),
        '*': reject('running'),
      },
    },
    blocked: {
      entry: entered('blocked'),
      on: {
        // Re-asked with a new question: the latest one is what the agent waits on.
        AGENT_BLOCKED: { actions: ['recordQuestion', 'touch'] },
        AGENT_RESUMED: [
          // No answer came (timed out, withdrawn): the agent goes on without one, not "Answer received".
          { guard: and(['answersQuestion', 'unanswered']), target: 'running', actions: ['clearQuestion', 'touch'] },
          { guard: 'answersQuestion', target: 'resumed', actions: ['clearQuestion', 'touch'] },
          { actions: reject('blocked').actions },
        ],
        ...finish(['AGENT_COMPLETED', 'AGENT_FAILED', 'AGENT_CANCELLED', 'AGENT_SKIPPED']),
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
        ...finish(['AGENT_COMPLETED', 'AGENT_FAILED', 'AGENT_CANCELLED', 'AGENT_SKIPPED']),
        '*': reject('resumed'),
      },
    },
    done: { type: 'final', entry: entered('done') },
    failed: { type: 'final', entry: entered('failed') },
    cancelled: { type: 'final', entry: entered('cancelled') },
    skipped: { type: 'final', entry: entered('skipped') },
  },
})
