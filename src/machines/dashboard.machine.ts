// The root actor: one typed event per wire event; keeps the graphs and the log, and says when a graph's agents go.
// The agent actors themselves live in the AgentRoster (roster.ts), routed to by the wiring (dashboard.ts).
import { assign, emit, enqueueActions, setup } from 'xstate'
import type { Event } from '../protocol/event'
import { MACHINE_EVENT_TYPES, type MachineEvent, type MachineEventType } from './machine-events'

export interface GraphRecord {
  graph_id: string
  /** the agents its graph:started announced (agents joining later count through their own graph_id) */
  agent_ids: string[]
  status: 'running' | 'completed' | 'failed'
  started_at: number
}

export interface DashboardContext {
  graphs: Map<string, GraphRecord>
  /** the last MAX_EVENTS bus events, oldest first, newest LAST */
  events: Event[]
}

/** Emitted when a new graph starts: the graphs that had ended are forgotten, and their agents retired. */
export type GraphsRetired = { type: 'graphs.retired'; graphs: GraphRecord[] }

/**
 * From the wiring, not the wire: the last of a graph's agents left memory (SWITCHBOARD_MAX_AGENTS), so its record
 * goes too. Else one record per graph ever named would stay, whatever the cap (and each new one copies them all).
 */
export type GraphForgotten = { type: 'GRAPH_FORGOTTEN'; graph_id: string }
export type DashboardEvent = MachineEvent | GraphForgotten

export const MAX_EVENTS = 200

/** The event is already in the log: a replay (history, then live) must not count it twice. */
export const hasSeen = (context: Pick<DashboardContext, 'events'>, id: string) => context.events.some((seen) => seen.id === id)

/** The agents graph:started announces. */
function roster(e: Event): string[] {
  const agents = (e.payload.agents ?? []) as Array<{ agent_id: string }>
  return agents.map((a) => a.agent_id)
}

function graphAfter(graphs: Map<string, GraphRecord>, e: MachineEvent): GraphRecord | undefined {
  const id = e.event.graph_id
  if (!id) return undefined
  const prev = graphs.get(id) ?? { graph_id: id, agent_ids: [], status: 'running' as const, started_at: e.event.timestamp }
  switch (e.type) {
    case 'GRAPH_STARTED':
      return { ...prev, agent_ids: [...new Set([...prev.agent_ids, ...roster(e.event)])], status: 'running', started_at: e.event.timestamp }
    case 'GRAPH_COMPLETED':
      return { ...prev, status: 'completed' }
    case 'GRAPH_FAILED':
      return { ...prev, status: 'failed' }
    default:
      // An event naming a graph never announced makes it known; O(1) for one already known.
      return prev
  }
}

/** The log with this event added, the oldest dropped past MAX_EVENTS. */
const recordEvent = (context: DashboardContext, e: MachineEvent) => {
  // One copy (a new array: contexts are replaced, never changed), not a slice and then a spread of it.
  const events = context.events.slice(context.events.length >= MAX_EVENTS ? 1 : 0)
  events.push(e.event)
  return { events }
}

/**
 * Every agent, tool and model event type, from the one list of wire actions: a type missing here was never
 * logged nor given to its agent (agent:waiting and agent:note were, at first, acknowledged and dropped so).
 */
const AGENT_EVENT_TYPES: readonly MachineEventType[] = MACHINE_EVENT_TYPES.filter((type) => /^(AGENT|TOOL|MODEL)_/.test(type))

export const dashboardMachine = setup({
  types: {
    context: {} as DashboardContext,
    events: {} as DashboardEvent,
    emitted: {} as GraphsRetired,
  },
  actions: {
    recordEvent: assign(({ context, event }) => (event.type === 'GRAPH_FORGOTTEN' ? {} : recordEvent(context, event))),
    // The event into the log and its graph kept up to date: one assign, since XState rebuilds the whole
    // snapshot after every assign and this runs for every event.
    record: assign(({ context, event }) => {
      if (event.type === 'GRAPH_FORGOTTEN') return {}
      const { events } = recordEvent(context, event)
      const graph = graphAfter(context.graphs, event)
      if (!graph || graph === context.graphs.get(graph.graph_id)) return { events }
      return { events, graphs: new Map(context.graphs).set(graph.graph_id, graph) }
    }),
    // A dashboard left open through many runs would otherwise grow one agent per agent per run:
    // when a new graph starts, the graphs that already ended are forgotten and their agents retired.
    retireFinishedGraphs: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'GRAPH_FORGOTTEN') return
      const ended = [...context.graphs.values()].filter((g) => g.graph_id !== event.event.graph_id && g.status !== 'running')
      if (ended.length === 0) return
      const graphs = new Map(context.graphs)
      for (const g of ended) graphs.delete(g.graph_id)
      enqueue.assign({ graphs })
      enqueue(emit({ type: 'graphs.retired', graphs: ended }))
    }),
    forgetGraph: assign(({ context, event }) => {
      if (event.type !== 'GRAPH_FORGOTTEN' || !context.graphs.has(event.graph_id)) return {}
      const graphs = new Map(context.graphs)
      graphs.delete(event.graph_id)
      return { graphs }
    }),
  },
  guards: {
    isNewEvent: ({ context, event }) => event.type !== 'GRAPH_FORGOTTEN' && !hasSeen(context, event.event.id),
  },
}).createMachine({
  id: 'dashboard',
  initial: 'live',
  context: { graphs: new Map(), events: [] },
  states: {
    live: {
      on: {
        GRAPH_STARTED: { guard: 'isNewEvent', actions: ['retireFinishedGraphs', 'record'] },
        GRAPH_PROGRESS: { guard: 'isNewEvent', actions: 'record' },
        GRAPH_COMPLETED: { guard: 'isNewEvent', actions: 'record' },
        GRAPH_FAILED: { guard: 'isNewEvent', actions: 'record' },
        USER_RESPONDED: { guard: 'isNewEvent', actions: 'recordEvent' },
        GRAPH_FORGOTTEN: { actions: 'forgetGraph' },
        ...Object.fromEntries(AGENT_EVENT_TYPES.map((type) => [type, { guard: 'isNewEvent', actions: 'record' }])),
      },
    },
  },
})
