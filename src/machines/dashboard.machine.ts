// The root actor: one typed event per wire event; spawns one agent actor per agent_id, keeps the graphs and the log.
import { assign, enqueueActions, setup, type ActorRefFrom } from 'xstate'
import type { Event } from '../protocol/event'
import { agentMachine, type AgentInput } from './agent.machine'
import type { MachineEvent, MachineEventType } from './machine-events'
import { toAgentEvent } from './machine-events'

export type AgentRef = ActorRefFrom<typeof agentMachine>

export interface GraphRecord {
  graph_id: string
  agent_ids: string[]
  status: 'running' | 'completed' | 'failed'
  started_at: number
}

export interface DashboardContext {
  /**
   * By actor id (`agent:<agent_id>`), in order of first appearance. A plain object so that XState's
   * persisted snapshots carry the refs (they do not look inside Maps); every key has the prefix, so
   * no agent id (`__proto__`, `constructor`) can be a key of its own, and keys never look like integers.
   */
  agents: Record<string, AgentRef>
  graphs: Map<string, GraphRecord>
  /** the last MAX_EVENTS bus events, oldest first, newest LAST */
  events: Event[]
}

/**
 * Housekeeping, sent by the wiring now and then (not a wire event, so not stored): agents that belong
 * to no graph are retired once ended, or silent, for longer than `afterMs`. Graph agents go with
 * their graph (retireFinishedGraphs).
 */
export type SweepEvent = { type: 'SWEEP'; at: number; afterMs: number }
export type DashboardEvent = MachineEvent | SweepEvent
/** The wire event of an action the transition table runs only for wire events. */
const wire = (e: DashboardEvent): MachineEvent => {
  if (e.type === 'SWEEP') throw new Error('a wire-event action ran for SWEEP')
  return e
}

export const MAX_EVENTS = 200
export const AGENT_ID_PREFIX = 'agent:'
export const actorIdOf = (agentId: string) => `${AGENT_ID_PREFIX}${agentId}`

/** The actor of an agent, if there is one. */
export function agentRef(context: Pick<DashboardContext, 'agents'>, agentId: string): AgentRef | undefined {
  const key = actorIdOf(agentId)
  return Object.hasOwn(context.agents, key) ? context.agents[key] : undefined
}

/** The agents graph:started announces. */
function roster(e: Event): AgentInput[] {
  const agents = (e.payload.agents ?? []) as Array<{ agent_id: string; name?: string; depends_on?: string[] }>
  return agents.map((a) => ({ agent_id: a.agent_id, name: a.name, graph_id: e.graph_id, depends_on: a.depends_on, created_at: e.timestamp }))
}

/** The agent an agent, tool or model event is about, as the actor's input if it is new. */
function reporter(e: Event): AgentInput[] {
  return e.agent_id ? [{ agent_id: e.agent_id, graph_id: e.graph_id, created_at: e.timestamp }] : []
}

function graphAfter(graphs: Map<string, GraphRecord>, e: MachineEvent): GraphRecord | undefined {
  const id = e.event.graph_id
  if (!id) return undefined
  const prev = graphs.get(id) ?? { graph_id: id, agent_ids: [], status: 'running' as const, started_at: e.event.timestamp }
  switch (e.type) {
    case 'GRAPH_STARTED': {
      const ids = new Set([...prev.agent_ids, ...roster(e.event).map((a) => a.agent_id)])
      return { ...prev, agent_ids: [...ids], status: 'running', started_at: e.event.timestamp }
    }
    case 'GRAPH_COMPLETED':
      return { ...prev, status: 'completed' }
    case 'GRAPH_FAILED':
      return { ...prev, status: 'failed' }
    default:
      // An agent of a graph never announced (or joining late) counts in that graph.
      return e.event.agent_id && !prev.agent_ids.includes(e.event.agent_id) ? { ...prev, agent_ids: [...prev.agent_ids, e.event.agent_id] } : prev
  }
}

const AGENT_EVENT_TYPES = [
  'AGENT_STARTED',
  'AGENT_BLOCKED',
  'AGENT_RESUMED',
  'AGENT_COMPLETED',
  'AGENT_FAILED',
  'AGENT_CANCELLED',
  'AGENT_SKIPPED',
  'TOOL_CALLED',
  'TOOL_STARTED',
  'TOOL_COMPLETED',
  'TOOL_FAILED',
  'MODEL_REQUEST',
  'MODEL_RESPONSE',
] as const satisfies readonly MachineEventType[]

export const dashboardMachine = setup({
  types: {
    context: {} as DashboardContext,
    events: {} as DashboardEvent,
  },
  actors: { agent: agentMachine },
  actions: {
    recordEvent: assign({ events: ({ context, event }) => [...context.events, wire(event).event].slice(-MAX_EVENTS) }),
    spawnAgents: assign(({ context, event, spawn }, params: { from: 'roster' | 'reporter' }) => {
      const inputs = params.from === 'roster' ? roster(wire(event).event) : reporter(wire(event).event)
      const fresh = inputs.filter((a) => !agentRef(context, a.agent_id))
      if (fresh.length === 0) return {}
      const agents = { ...context.agents }
      for (const input of fresh) {
        const id = actorIdOf(input.agent_id)
        if (!Object.hasOwn(agents, id)) agents[id] = spawn('agent', { id, input })
      }
      return { agents }
    }),
    trackGraph: assign(({ context, event }) => {
      const graph = graphAfter(context.graphs, wire(event))
      if (!graph || graph === context.graphs.get(graph.graph_id)) return {}
      return { graphs: new Map(context.graphs).set(graph.graph_id, graph) }
    }),
    forwardToAgent: enqueueActions(({ context, event, enqueue }) => {
      const e = wire(event).event
      const ref = e.agent_id ? agentRef(context, e.agent_id) : undefined
      const agentEvent = toAgentEvent(e)
      // A finished agent's actor has stopped listening; what it still reports is in the log only.
      if (ref && agentEvent && ref.getSnapshot().status === 'active') enqueue.sendTo(ref, agentEvent)
    }),
    // A dashboard left open through many runs would otherwise grow one actor per agent per run:
    // when a new graph starts, the agents of graphs that already ended are stopped and forgotten.
    retireLoneAgents: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SWEEP') return
      const inGraph = new Set([...context.graphs.values()].flatMap((g) => g.agent_ids))
      const agents = { ...context.agents }
      let retired = 0
      for (const [key, ref] of Object.entries(context.agents)) {
        const { context: agent, status } = ref.getSnapshot()
        if (inGraph.has(agent.agent_id) || agent.graph_id) continue
        const since = status === 'done' ? (agent.entered_at ?? agent.updated_at) : agent.updated_at
        if (since === null || event.at - since <= event.afterMs) continue
        enqueue.stopChild(ref)
        delete agents[key]
        retired++
      }
      if (retired) enqueue.assign({ agents })
    }),
    retireFinishedGraphs: enqueueActions(({ context, event, enqueue }) => {
      const ended = [...context.graphs.values()].filter((g) => g.graph_id !== wire(event).event.graph_id && g.status !== 'running')
      if (ended.length === 0) return
      const retired = new Set(ended.flatMap((g) => g.agent_ids))
      const agents = { ...context.agents }
      for (const agentId of retired) {
        const ref = agentRef({ agents }, agentId)
        if (!ref) continue
        enqueue.stopChild(ref)
        delete agents[actorIdOf(agentId)]
      }
      const graphs = new Map(context.graphs)
      for (const g of ended) graphs.delete(g.graph_id)
      enqueue.assign({ agents, graphs })
    }),
  },
  guards: {
    // The bus dedupes too, but a replay (history then live) must not double-log.
    isNewEvent: ({ context, event }) => !context.events.some((seen) => seen.id === wire(event).event.id),
  },
}).createMachine({
  id: 'dashboard',
  initial: 'live',
  context: { agents: {}, graphs: new Map(), events: [] },
  states: {
    live: {
      on: {
        GRAPH_STARTED: {
          guard: 'isNewEvent',
          actions: ['recordEvent', 'retireFinishedGraphs', { type: 'spawnAgents', params: { from: 'roster' } }, 'trackGraph'],
        },
        GRAPH_PROGRESS: { guard: 'isNewEvent', actions: ['recordEvent', 'trackGraph'] },
        GRAPH_COMPLETED: { guard: 'isNewEvent', actions: ['recordEvent', 'trackGraph'] },
        GRAPH_FAILED: { guard: 'isNewEvent', actions: ['recordEvent', 'trackGraph'] },
        USER_RESPONDED: { guard: 'isNewEvent', actions: 'recordEvent' },
        SWEEP: { actions: 'retireLoneAgents' },
        ...Object.fromEntries(
          AGENT_EVENT_TYPES.map((type) => [
            type,
            { guard: 'isNewEvent', actions: ['recordEvent', { type: 'spawnAgents', params: { from: 'reporter' } }, 'trackGraph', 'forwardToAgent'] },
          ]),
        ),
      },
    },
  },
})
