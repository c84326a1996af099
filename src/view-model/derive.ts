// The view model: from the dashboard snapshot (graphs, log), the agent book (kept up to date per changed
// agent) and the pending question records. Nothing here walks the whole swarm.
import type { SnapshotFrom } from 'xstate'
import type { DashboardHandle } from '../machines/dashboard'
import type { dashboardMachine, GraphRecord } from '../machines/dashboard.machine'
import type { ToolCallNote } from '../machines/agent.machine'
import type { FormSchema, QuestionKind } from '../protocol/form'
import type { Category, Event } from '../protocol/event'
import type { PriceTable } from '../protocol/prices'
import { DEFAULTS } from '../protocol/defaults'
import type { PendingQuestion } from '../questions/question-record'
import { AgentBook, viewOf, type AgentView, type ResultView } from './agent-book'
import { asShown, askedAt, progressOf, withPending, type Progress } from './agent-counts'
import { agentPanel, type AgentPanel } from './agent-panel'
import { bounded } from './bounded'
import { stalledOn } from './holdups'
import { summarizeEvent } from './event-summary'
import type { UsageView } from './usage'

export { MAX_RESULTS, STATE_LABELS, type AgentView, type ResultView } from './agent-book'
export { progressOf, type Progress } from './agent-counts'

export type DashboardSnapshot = SnapshotFrom<typeof dashboardMachine>

export interface BlockedView {
  msg_id: string
  agent_id: string
  agent_name: string
  question: string
  options: string[]
  kind: QuestionKind
  /** a form question's fields */
  schema?: FormSchema
  /** markdown, rendered safely by the view */
  context?: string
  /** bounded JSON */
  details?: unknown
  /** the agent's last few tool calls, oldest first: what led to the question */
  tools: readonly ToolCallNote[]
  graph_id?: string
  asked_at: number
}

/** tool calls a card shows */
export const CARD_TOOL_CALLS = 3

export interface GraphView {
  graph_id: string
  total: number
  done: number
  failed: number
  skipped: number
  running: number
  blocked: number
  status: GraphRecord['status']
  /** its agents' tokens and cost */
  usage: UsageView
  /** nothing of it working and this many questions pending (else 0): what the run waits for */
  stalled: number
}

export interface EventView {
  id: string
  timestamp: number
  category: Category
  action: string
  agent_id: string | undefined
  /** the agent's name where it has one (else its id), as the book knows it */
  agent_name?: string
  summary: string
  /** bounded: long strings and arrays cut with a marker */
  payload: unknown
}

export interface ViewModel {
  /** the agents the page shows one by one, and the counts of the rest */
  panel: AgentPanel
  /** oldest first: one per pending question record */
  blocked: BlockedView[]
  progress: Progress
  /** every agent's tokens and cost */
  usage: UsageView
  graphs: GraphView[]
  /** newest first */
  results: ResultView[]
  /** newest first */
  events: EventView[]
  /** `now` as given, so views can render ages without reading the clock */
  now: number
}

export const EVENT_LOG_LIMIT = 200
export const DEFAULT_EVENT_CATEGORIES: readonly Category[] = ['agent', 'graph']

/** An agent that reports nothing for this long while working is marked quiet: likely dead. */
export const DEFAULT_QUIET_MS = DEFAULTS.quietMinutes * 60_000

function graphView(graph: GraphRecord, book: AgentBook, asked: ReadonlyMap<string, number>): GraphView {
  // Counted from its agents as they are (one since retired no longer counts), and as the header counts them.
  const counts = withPending(book.graph(graph.graph_id), asked, (id) => book.get(id)?.state)
  const { completed: done, failed, skipped, running, blocked, total } = progressOf(counts)
  const stalled = stalledOn({ running, blocked })
  return { graph_id: graph.graph_id, total, done, failed, skipped, running, blocked, status: graph.status, usage: book.graphUsage(graph.graph_id), stalled }
}

/** Per graph, when each of its agents' latest pending question was asked: the agent's graph, else the record's. O(pending). */
function askedByGraph(questions: readonly PendingQuestion[], book: AgentBook): Map<string, Map<string, number>> {
  const byGraph = new Map<string, PendingQuestion[]>()
  for (const q of questions) {
    const graphId = book.get(q.agent_id)?.graph_id ?? q.graph_id
    if (graphId === undefined) continue
    const list = byGraph.get(graphId)
    if (list) list.push(q)
    else byGraph.set(graphId, [q])
  }
  return new Map([...byGraph].map(([graphId, list]) => [graphId, askedAt(list)]))
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

// A log line with its agent's name: made again only when the name differs from the one it was made with.
const namedViews = new WeakMap<Event, EventView>()

/** The event's view, naming its agent as the book does: one Map lookup per line, no copy while the name holds. */
export function namedEventView(e: Event, book: Pick<AgentBook, 'get'>): EventView {
  const name = e.agent_id === undefined ? undefined : book.get(e.agent_id)?.name
  const named = name === undefined || name === e.agent_id ? undefined : name
  const cached = namedViews.get(e)
  if (cached && cached.agent_name === named) return cached
  const base = toEventView(e)
  const view = named === undefined ? base : { ...base, agent_name: named }
  namedViews.set(e, view)
  return view
}

/** The view model from the dashboard snapshot and an up-to-date book. */
export function deriveViewModel(
  snapshot: DashboardSnapshot,
  book: AgentBook,
  questions: readonly PendingQuestion[],
  now: number = Date.now(),
  quietMs: number = DEFAULT_QUIET_MS,
): ViewModel {
  const ctx = snapshot.context
  const asked = askedAt(questions)
  const counts = withPending(book.stateCounts(), asked, (id) => book.get(id)?.state)
  const graphAsked = askedByGraph(questions, book)
  const blocked = questions.map((q): BlockedView => {
    const agent = book.get(q.agent_id)
    const card: BlockedView = {
      msg_id: q.msg_id,
      agent_id: q.agent_id,
      agent_name: agent?.name ?? q.agent_id,
      question: q.question,
      options: q.options,
      kind: q.kind,
      tools: agent?.recent_tools.slice(-CARD_TOOL_CALLS) ?? [],
      asked_at: q.created_at,
    }
    if (q.schema !== undefined) card.schema = q.schema
    if (q.context !== undefined) card.context = q.context
    if (q.details !== undefined) card.details = bounded(q.details)
    // The run of the agent as the book knows it (a question asked without its graph still belongs to the agent's run).
    const graphId = agent?.graph_id ?? q.graph_id
    if (graphId !== undefined) card.graph_id = graphId
    return card
  })
  return {
    panel: agentPanel(book, now, quietMs, { counts, asked }),
    blocked,
    progress: progressOf(counts),
    usage: book.usage(),
    graphs: [...ctx.graphs.values()].map((g) => graphView(g, book, graphAsked.get(g.graph_id) ?? new Map())),
    results: book.results(),
    events: ctx.events.map((e) => namedEventView(e, book)).reverse(),
    now,
  }
}

/** A book of every agent a dashboard has, written from scratch. */
export function bookOf(dashboard: Pick<DashboardHandle, 'agents'>, prices?: PriceTable): AgentBook {
  const book = new AgentBook(prices)
  for (const actor of dashboard.agents.values()) {
    const snapshot = actor.getSnapshot()
    book.update(snapshot.context.agent_id, snapshot, dashboard.agents.graphOf(snapshot.context.agent_id))
  }
  return book
}

/** Everything at once, every agent listed: a run's page, tests. Walks the swarm: not for a flush. */
export function deriveAll(
  dashboard: Pick<DashboardHandle, 'actor' | 'agents'>,
  questions: readonly PendingQuestion[] = [],
  now: number = Date.now(),
  quietMs: number = DEFAULT_QUIET_MS,
): ViewModel & { agents: AgentView[] } {
  const book = bookOf(dashboard)
  const asked = askedAt(questions)
  return { ...deriveViewModel(dashboard.actor.getSnapshot(), book, questions, now, quietMs), agents: [...book.all()].map((a) => asShown(viewOf(a, now, quietMs), asked)) }
}

/** Keep events of the given categories (default: agent and graph, the lifecycle view). */
export function filterEvents<T extends { category: Category }>(events: readonly T[], include: readonly Category[] = DEFAULT_EVENT_CATEGORIES): T[] {
  const wanted = new Set(include)
  return events.filter((e) => wanted.has(e.category))
}
