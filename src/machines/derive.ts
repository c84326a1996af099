// Pure functions from the dashboard snapshot (and its agents' snapshots) to the view model.
import type { SnapshotFrom } from 'xstate'
import type { Category, Event } from '../events/event'
import type { AgentStateName } from './agent.machine'
import type { dashboardMachine, GraphRecord } from './dashboard.machine'
import { summarizeEvent } from './event-summary'

export type DashboardSnapshot = SnapshotFrom<typeof dashboardMachine>

export const STATE_LABELS: Record<AgentStateName, string> = {
  idle: 'Waiting to start',
  running: 'Running',
  blocked: 'Waiting for answer',
  resumed: 'Answer received',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
}

export interface AgentView {
  agent_id: string
  name: string
  state: AgentStateName
  label: string
  current_tool: string | null
  tool_calls: number
  model_calls: number
  entered_at: number | null
  graph_id: string | undefined
}

export interface BlockedView {
  msg_id: string
  agent_id: string
  agent_name: string
  question: string
  options: string[]
  asked_at: number
}

export interface Progress {
  total: number
  completed: number
  failed: number
  skipped: number
  blocked: number
  /** running or resumed: both are working */
  running: number
  cancelled: number
}

export interface GraphView {
  graph_id: string
  total: number
  done: number
  failed: number
  skipped: number
  running: number
  blocked: number
  status: GraphRecord['status']
}

export interface ResultView {
  agent_id: string
  agent_name: string
  result: unknown
  at: number
  status: 'done' | 'failed'
}

export interface EventView {
  id: string
  timestamp: number
  category: Category
  action: string
  agent_id: string | undefined
  summary: string
}

export interface ViewModel {
  agentStates: Record<string, AgentView>
  /** by first appearance */
  agents: AgentView[]
  /** oldest first */
  blocked: BlockedView[]
  progress: Progress
  graphs: GraphView[]
  /** newest first */
  results: ResultView[]
  /** newest first */
  events: EventView[]
  /** `now` as given, so views can render ages without reading the clock */
  now: number
}

function agentView(snapshot: DashboardSnapshot, agentId: string): AgentView | undefined {
  const ref = snapshot.context.agents[agentId]
  if (!ref) return undefined
  const { value, context } = ref.getSnapshot()
  const graph_id = context.graph_id ?? Object.values(snapshot.context.graphs).find((g) => g.agent_ids.includes(agentId))?.graph_id
  return {
    agent_id: agentId,
    name: context.name,
    state: value,
    label: STATE_LABELS[value],
    current_tool: context.current_tool,
    tool_calls: context.tool_calls,
    model_calls: context.model_calls,
    entered_at: context.entered_at,
    graph_id,
  }
}

export function deriveProgress(agents: readonly AgentView[]): Progress {
  const count = (...states: AgentStateName[]) => agents.filter((a) => states.includes(a.state)).length
  return {
    total: agents.length,
    completed: count('done'),
    failed: count('failed'),
    skipped: count('skipped'),
    blocked: count('blocked'),
    running: count('running', 'resumed'),
    cancelled: count('cancelled'),
  }
}

function graphView(graph: GraphRecord, agentStates: Record<string, AgentView>): GraphView {
  // An announced agent that was since stopped no longer counts.
  const members = graph.agent_ids.flatMap((id) => (agentStates[id] ? [agentStates[id]] : []))
  const p = deriveProgress(members)
  const { completed: done, failed, skipped, running, blocked, total } = p
  return { graph_id: graph.graph_id, total, done, failed, skipped, running, blocked, status: graph.status }
}

export function toEventView(e: Event): EventView {
  return { id: e.id, timestamp: e.timestamp, category: e.category, action: e.action, agent_id: e.agent_id, summary: summarizeEvent(e) }
}

export function deriveViewModel(snapshot: DashboardSnapshot, now: number = Date.now()): ViewModel {
  const ctx = snapshot.context
  const agents = ctx.order.flatMap((id) => {
    const view = agentView(snapshot, id)
    return view ? [view] : []
  })
  const agentStates = Object.fromEntries(agents.map((a) => [a.agent_id, a]))
  const nameOf = (id: string) => agentStates[id]?.name ?? id
  const blocked = Object.values(ctx.blocked)
    .sort((a, b) => a.asked_at - b.asked_at)
    .map((card) => ({ ...card, agent_name: nameOf(card.agent_id) }))
  return {
    agentStates,
    agents,
    blocked,
    progress: deriveProgress(agents),
    graphs: Object.values(ctx.graphs).map((g) => graphView(g, agentStates)),
    results: ctx.results.map((r) => ({ ...r, agent_name: nameOf(r.agent_id) })),
    events: ctx.events.map(toEventView).reverse(),
    now,
  }
}

export const DEFAULT_EVENT_CATEGORIES: readonly Category[] = ['agent', 'graph']

/** Keep events of the given categories (default: agent and graph, the lifecycle view). */
export function filterEvents<T extends { category: Category }>(events: readonly T[], include: readonly Category[] = DEFAULT_EVENT_CATEGORIES): T[] {
  const wanted = new Set(include)
  return events.filter((e) => wanted.has(e.category))
}
