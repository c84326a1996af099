// A finished (or running) run, rebuilt from its stored events alone: the read-only dashboard of /runs/:graph_id.
import { createDashboard, type DashboardHandle } from '../machines/dashboard'
import type { Event } from '../protocol/event'
import { answerSummary } from '../protocol/form'
import type { PriceTable } from '../protocol/prices'
import { blockedMsgId, type QuestionStatus } from '../protocol/question'
import type { PendingQuestion } from '../questions/question-record'
import { AgentBook } from './agent-book'
import { bookOf, deriveViewModel, namedEventView, type ViewModel } from './derive'
import { runAgentIds } from './run-graph'

export interface RunQuestion {
  msg_id: string
  agent_id: string
  question: string
  asked_at: number
  /** from the question's record: how it ended, the answer in words, and who gave it */
  status: QuestionStatus['status'] | 'unknown'
  answer: string | undefined
  answered_by?: string
}

export interface RunView {
  model: ViewModel
  questions: RunQuestion[]
}

/** A run's actors rebuilt from its events alone (no inspector, no bus); stop() them when done. */
export function replayRun(events: Iterable<Event>): DashboardHandle {
  const dashboard = createDashboard()
  for (const e of events) dashboard.apply(e)
  return dashboard
}

/** The pending questions of a run's agents (and of its agents that left memory, by the record's graph). */
const ofRun = (pending: readonly PendingQuestion[], book: AgentBook, graphId: string) => pending.filter((q) => book.get(q.agent_id) !== undefined || q.graph_id === graphId)

/** The questions its agents asked (first ask of each msg_id), as their records tell how they ended. */
function runQuestions(events: Iterable<Event>, statusOf: (msgId: string) => QuestionStatus | undefined): RunQuestion[] {
  const asked = new Map<string, RunQuestion>()
  for (const e of events) {
    if (e.category !== 'agent' || e.action !== 'blocked' || !e.agent_id) continue
    const msgId = blockedMsgId(e)
    if (!asked.has(msgId)) asked.set(msgId, { msg_id: msgId, agent_id: e.agent_id, question: String(e.payload.question ?? ''), asked_at: e.timestamp, status: 'unknown', answer: undefined })
  }
  return [...asked.values()].map((q) => {
    const record = statusOf(q.msg_id)
    if (!record) return q
    const answer = record.answer === undefined ? undefined : answerSummary(record.answer)
    // asked when its record says, as its card said: the agent's event may carry a clock of its own
    return { ...q, asked_at: record.created_at, status: record.status, answer, ...(record.answered_by ? { answered_by: record.answered_by } : {}) }
  })
}

/**
 * The run's page from its events; `pending`: the pending questions (any run's), so that the run's agents waiting on
 * one are counted as the header counts them (one asked of an agent that left memory included).
 */
export function deriveRun(
  graphId: string,
  events: readonly Event[],
  statusOf: (msgId: string) => QuestionStatus | undefined,
  now: number,
  prices?: PriceTable,
  pending: readonly PendingQuestion[] = [],
): RunView {
  const dashboard = replayRun(events)
  const book = bookOf(dashboard, prices)
  const model = deriveViewModel(dashboard.actor.getSnapshot(), book, ofRun(pending, book, graphId), now)
  dashboard.stop()
  return { model, questions: runQuestions(events, statusOf) }
}

export interface StoredRun {
  /** every agent:blocked of the run, for its list of questions */
  asked: readonly Event[]
  /** its newest events, oldest first, for its log */
  log: readonly Event[]
}

/**
 * The run's page from the live actors, for a run the dashboard holds whole: the very states the header counts, however
 * many events the run has (a replay reads at most a bounded number of them); the questions and the log from the store.
 */
export function liveRun(
  dashboard: Pick<DashboardHandle, 'actor' | 'agents'>,
  graphId: string,
  stored: StoredRun,
  statusOf: (msgId: string) => QuestionStatus | undefined,
  now: number,
  prices?: PriceTable,
  pending: readonly PendingQuestion[] = [],
): RunView {
  const book = new AgentBook(prices)
  for (const id of runAgentIds(dashboard, graphId)) book.update(id, dashboard.agents.get(id)?.getSnapshot(), dashboard.agents.graphOf(id) ?? graphId)
  const model = deriveViewModel(dashboard.actor.getSnapshot(), book, ofRun(pending, book, graphId), now)
  const events = stored.log.map((e) => namedEventView(e, book)).reverse()
  return { model: { ...model, events }, questions: runQuestions(stored.asked, statusOf) }
}
