// The root actor: spawns one agent actor per agent_id and keeps the bus-level records (graphs, log, cards, results).
import { assign, enqueueActions, setup, type ActorRefFrom, type DoneActorEvent } from 'xstate'
import { wireName, type Event } from '../events/event'
import { agentMachine, type AgentInput, type AgentStateName } from './agent.machine'
import { toMachineEvent } from './machine-events'

export type AgentRef = ActorRefFrom<typeof agentMachine>

export interface GraphRecord {
  graph_id: string
  agent_ids: string[]
  status: 'running' | 'completed' | 'failed'
  started_at: number
}

export interface BlockedCard {
  msg_id: string
  agent_id: string
  question: string
  options: string[]
  asked_at: number
}

export interface ResultEntry {
  agent_id: string
  result: unknown
  at: number
  status: 'done' | 'failed'
}

/** An event for an agent that had already finished: its actor no longer listens, so it is kept here. */
export interface LateEvent {
  agent_id: string
  type: string
  state: AgentStateName
  at: number
}

export interface DashboardContext {
  agents: Record<string, AgentRef>
  /** agent ids in order of first appearance (object key order sorts integer-like ids first) */
  order: string[]
  graphs: Record<string, GraphRecord>
  /** the last MAX_EVENTS bus events, oldest first, newest LAST (the bus history's order) */
  events: Event[]
  blocked: Record<string, BlockedCard>
  /** newest first */
  results: ResultEntry[]
  late: LateEvent[]
}

export type DashboardEvent =
  | { type: 'BUS_EVENT'; event: Event }
  | { type: 'STOP_AGENT'; agent_id: string }
  | DoneActorEvent<unknown, string>

export const MAX_EVENTS = 200
export const MAX_RESULTS = 100
export const MAX_LATE = 20
export const AGENT_ID_PREFIX = 'agent:'
const DONE_PREFIX = `xstate.done.actor.${AGENT_ID_PREFIX}`

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined)
const busEvent = (e: DashboardEvent): Event | undefined => (e.type === 'BUS_EVENT' ? e.event : undefined)

/** Agents a bus event introduces: graph:started's roster, plus the event's own agent_id. */
function announcedAgents(e: Event): AgentInput[] {
  const found: AgentInput[] = []
  if (wireName(e) === 'graph:started' && Array.isArray(e.payload.agents)) {
    for (const a of e.payload.agents as Array<Record<string, unknown>>) {
      const agent_id = str(a?.agent_id)
      if (!agent_id) continue
      const depends_on = Array.isArray(a.depends_on) ? a.depends_on.map(String) : undefined
      found.push({ agent_id, name: str(a.name), graph_id: e.graph_id, depends_on, created_at: e.timestamp })
    }
  }
  if (e.agent_id) found.push({ agent_id: e.agent_id, graph_id: e.graph_id, created_at: e.timestamp })
  return found
}

function withoutAgentCards(blocked: Record<string, BlockedCard>, agentId: string) {
  return Object.fromEntries(Object.entries(blocked).filter(([, card]) => card.agent_id !== agentId))
}

function nextGraph(graphs: Record<string, GraphRecord>, e: Event): GraphRecord | undefined {
  if (!e.graph_id) return undefined
  const prev = graphs[e.graph_id] ?? { graph_id: e.graph_id, agent_ids: [], status: 'running', started_at: e.timestamp }
  const ids = new Set(prev.agent_ids)
  for (const a of announcedAgents(e)) ids.add(a.agent_id)
  const name = wireName(e)
  const status = name === 'graph:completed' ? 'completed' : name === 'graph:failed' ? 'failed' : name === 'graph:started' ? 'running' : prev.status
  const started_at = name === 'graph:started' ? e.timestamp : prev.started_at
  return { ...prev, agent_ids: [...ids], status, started_at }
}

function nextBlocked(blocked: Record<string, BlockedCard>, e: Event): Record<string, BlockedCard> {
  const msgId = str(e.payload.msg_id)
  const name = wireName(e)
  if (name === 'agent:blocked' && e.agent_id) {
    const id = msgId ?? e.id
    const options = Array.isArray(e.payload.options) ? e.payload.options.map(String) : []
    // Re-announcing keeps the first asked_at: the card's age is the question's age.
    const asked_at = blocked[id]?.asked_at ?? e.timestamp
    return { ...blocked, [id]: { msg_id: id, agent_id: e.agent_id, question: String(e.payload.question ?? ''), options, asked_at } }
  }
  if (name === 'agent:resumed' && msgId && blocked[msgId]) {
    const { [msgId]: _answered, ...rest } = blocked
    return rest
  }
  return blocked
}

export const dashboardMachine = setup({
  types: {
    context: {} as DashboardContext,
    events: {} as DashboardEvent,
  },
  actors: { agent: agentMachine },
  actions: {
    recordEvent: assign({
      events: ({ context, event }) => [...context.events, busEvent(event)!].slice(-MAX_EVENTS),
    }),
    spawnAgents: assign(({ context, event, spawn }) => {
      const fresh = announcedAgents(busEvent(event)!).filter((a) => !context.agents[a.agent_id])
      if (fresh.length === 0) return {}
      const agents = { ...context.agents }
      const order = [...context.order]
      for (const input of fresh) {
        if (agents[input.agent_id]) continue
        agents[input.agent_id] = spawn('agent', { id: `${AGENT_ID_PREFIX}${input.agent_id}`, input })
        order.push(input.agent_id)
      }
      return { agents, order }
    }),
    trackGraph: assign({
      graphs: ({ context, event }) => {
        const graph = nextGraph(context.graphs, busEvent(event)!)
        return graph ? { ...context.graphs, [graph.graph_id]: graph } : context.graphs
      },
    }),
    trackBlocked: assign({ blocked: ({ context, event }) => nextBlocked(context.blocked, busEvent(event)!) }),
    trackResult: assign({
      results: ({ context, event }) => {
        const e = busEvent(event)!
        const name = wireName(e)
        if (!e.agent_id || (name !== 'agent:completed' && name !== 'agent:failed')) return context.results
        const status = name === 'agent:completed' ? 'done' : 'failed'
        const result = status === 'done' ? (e.payload.result ?? e.payload.summary) : e.payload.error
        return [{ agent_id: e.agent_id, result, at: e.timestamp, status } as const, ...context.results].slice(0, MAX_RESULTS)
      },
    }),
    forwardToAgent: enqueueActions(({ context, event, enqueue }) => {
      const e = busEvent(event)!
      const ref = e.agent_id ? context.agents[e.agent_id] : undefined
      const machineEvent = toMachineEvent(e)
      if (!ref || !machineEvent) return
      const snapshot = ref.getSnapshot()
      if (snapshot.status === 'active') return enqueue.sendTo(ref, machineEvent)
      const late = { agent_id: e.agent_id!, type: machineEvent.type, state: snapshot.value, at: e.timestamp }
      enqueue.assign({ late: [...context.late, late].slice(-MAX_LATE) })
    }),
    dropCardsOfFinished: assign({
      // A finished agent will never take up its question, so its cards go.
      blocked: ({ context, event }) =>
        event.type.startsWith(DONE_PREFIX) ? withoutAgentCards(context.blocked, event.type.slice(DONE_PREFIX.length)) : context.blocked,
    }),
    // A dashboard left open through many runs would otherwise grow one actor per agent per run:
    // when a new graph starts, the agents of graphs that already ended are stopped and forgotten.
    retireFinishedGraphs: enqueueActions(({ context, event, enqueue }) => {
      const e = busEvent(event)!
      if (wireName(e) !== 'graph:started') return
      const ended = Object.values(context.graphs).filter((g) => g.graph_id !== e.graph_id && g.status !== 'running')
      if (ended.length === 0) return
      const retired = new Set(ended.flatMap((g) => g.agent_ids))
      for (const id of retired) if (context.agents[id]) enqueue.stopChild(context.agents[id])
      const keep = <T,>(record: Record<string, T>, drop: (key: string, value: T) => boolean) =>
        Object.fromEntries(Object.entries(record).filter(([k, v]) => !drop(k, v)))
      enqueue.assign({
        agents: keep(context.agents, (id) => retired.has(id)),
        order: context.order.filter((id) => !retired.has(id)),
        graphs: keep(context.graphs, (_, g) => ended.includes(g)),
        blocked: keep(context.blocked, (_, card) => retired.has(card.agent_id)),
      })
    }),
    stopAgent: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'STOP_AGENT') return
      const ref = context.agents[event.agent_id]
      if (!ref) return
      enqueue.stopChild(ref)
      const { [event.agent_id]: _stopped, ...agents } = context.agents
      enqueue.assign({
        agents,
        order: context.order.filter((id) => id !== event.agent_id),
        blocked: withoutAgentCards(context.blocked, event.agent_id),
      })
    }),
  },
  guards: {
    // The bus dedupes too, but a replay (history then live) must not double-log.
    isNewEvent: ({ context, event }) => {
      const e = busEvent(event)
      return !!e && !context.events.some((seen) => seen.id === e.id)
    },
  },
}).createMachine({
  id: 'dashboard',
  initial: 'live',
  context: { agents: {}, order: [], graphs: {}, events: [], blocked: {}, results: [], late: [] },
  states: {
    live: {
      on: {
        BUS_EVENT: {
          guard: 'isNewEvent',
          actions: ['recordEvent', 'retireFinishedGraphs', 'spawnAgents', 'trackGraph', 'trackBlocked', 'trackResult', 'forwardToAgent'],
        },
        STOP_AGENT: { actions: 'stopAgent' },
        // Partial wildcards match whole dot-separated tokens, so `agent:*` cannot be written here.
        'xstate.done.actor.*': { actions: 'dropCardsOfFinished' },
      },
    },
  },
})
