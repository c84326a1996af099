// Pure functions from the dashboard snapshot, its agents' snapshots and the pending question records to the view model.
import type { SnapshotFrom } from 'xstate'
import type { Category, Event } from '../protocol/event'
import type { AgentStateName } from '../machines/agent.machine'
import type { AgentRef, dashboardMachine, GraphRecord } from '../machines/dashboard.machine'
import type { PendingQuestion } from '../questions/question-record'
import { bounded } from './bounded'
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
  /** working (running or resumed) yet silent for longer than the quiet threshold: ms since its last report */
  quiet_for: number | null
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
  /** bounded: long strings and arrays cut with a marker */
  payload: unknown
}

export interface ViewModel {
  /** by first appearance */
  agents: AgentView[]
  /** oldest first: one per pending question record */
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

export const MAX_RESULTS = 50
export const EVENT_LOG_LIMIT = 200
export const DEFAULT_EVENT_CATEGORIES: readonly Category[] = ['agent', 'graph']

interface AgentFacts extends AgentView {
  result: unknown
  finished_at: number | undefined
}

/** An agent that reports nothing for this long while working is marked quiet: likely dead. */
export const DEFAULT_QUIET_MS = 10 * 60 * 1000

function agentFacts(ref: AgentRef, graphOf: Map<string, string>, now: number, quietMs: number): AgentFacts {
  const { value, context } = ref.getSnapshot()
  const silent = context.updated_at === null ? 0 : now - context.updated_at
  const working = value === 'running' || value === 'resumed'
  const agentId = context.agent_id
  return {
    agent_id: agentId,
    name: context.name,
    state: value,
    label: STATE_LABELS[value],
    current_tool: context.current_tool,
    tool_calls: context.tool_calls,
    model_calls: context.model_calls,
    entered_at: context.entered_at,
    quiet_for: working && silent > quietMs ? silent : null,
    graph_id: context.graph_id ?? graphOf.get(agentId),
    result: value === 'failed' ? context.error : context.result,
    finished_at: value === 'done' || value === 'failed' ? context.transitions[value] : undefined,
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

function graphView(graph: GraphRecord, byId: Map<string, AgentView>): GraphView {
  // An announced agent that was since retired no longer counts.
  const members = graph.agent_ids.flatMap((id) => byId.get(id) ?? [])
  const { completed: done, failed, skipped, running, blocked, total } = deriveProgress(members)
  return { graph_id: graph.graph_id, total, done, failed, skipped, running, blocked, status: graph.status }
}

// Events are immutable once published: their views are made once, not on every flush.
const eventViews = new WeakMap<Event, EventView>()

export function toEventView(e: Event): EventView {
  const cached = eventViews.get(e)
  if (cached) return cached
  const view: EventView = {
    id: e.id,
    timestamp: e.timestamp,
    category: e.category,
    action: e.action,
    agent_id: e.agent_id,
    summary: summarizeEvent(e),
    payload: bounded(e.payload),
  }
  eventViews.set(e, view)
  return view
}

function resultsOf(facts: readonly AgentFacts[]): ResultView[] {
  return facts
    .filter((a): a is AgentFacts & { finished_at: number } => a.finished_at !== undefined)
    .sort((a, b) => b.finished_at - a.finished_at)
    .slice(0, MAX_RESULTS)
    .map((a) => ({ agent_id: a.agent_id, agent_name: a.name, result: bounded(a.result), at: a.finished_at, status: a.state === 'failed' ? 'failed' : 'done' }))
}

export function deriveViewModel(
  snapshot: DashboardSnapshot,
  questions: readonly PendingQuestion[],
  now: number = Date.now(),
  quietMs: number = DEFAULT_QUIET_MS,
): ViewModel {
  const ctx = snapshot.context
  const graphOf = new Map<string, string>()
  for (const g of ctx.graphs.values()) for (const id of g.agent_ids) graphOf.set(id, g.graph_id)
  const facts = Object.values(ctx.agents).map((ref) => agentFacts(ref, graphOf, now, quietMs))
  const agents: AgentView[] = facts.map(({ result: _r, finished_at: _f, ...view }) => view)
  const byId = new Map(agents.map((a) => [a.agent_id, a]))
  const blocked = questions.map((q) => ({
    msg_id: q.msg_id,
    agent_id: q.agent_id,
    agent_name: byId.get(q.agent_id)?.name ?? q.agent_id,
    question: q.question,
    options: q.options,
    asked_at: q.created_at,
  }))
  return {
    agents,
    blocked,
    progress: deriveProgress(agents),
    graphs: [...ctx.graphs.values()].map((g) => graphView(g, byId)),
    results: resultsOf(facts),
    events: ctx.events.map(toEventView).reverse(),
    now,
  }
}

/** Keep events of the given categories (default: agent and graph, the lifecycle view). */
export function filterEvents<T extends { category: Category }>(events: readonly T[], include: readonly Category[] = DEFAULT_EVENT_CATEGORIES): T[] {
  const wanted = new Set(include)
  return events.filter((e) => wanted.has(e.category))
}
