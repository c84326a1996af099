// A finished (or running) run, rebuilt from its stored events alone: the read-only dashboard of /runs/:graph_id.
import { createDashboard, type DashboardHandle } from '../machines/dashboard'
import type { Event } from '../protocol/event'
import { answerSummary } from '../protocol/form'
import type { PriceTable } from '../protocol/prices'
import { blockedMsgId, type QuestionStatus } from '../protocol/question'
import type { PendingQuestion } from '../questions/question-record'
import { bookOf, deriveViewModel, type ViewModel } from './derive'

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

/**
 * The run's page from its events; `pending`: the pending questions (any run's), so that the run's agents waiting on
 * one are counted as the header counts them (one asked of an agent that left memory included).
 */
export function deriveRun(
  graphId: string,
  events: Iterable<Event>,
  statusOf: (msgId: string) => QuestionStatus | undefined,
  now: number,
  prices?: PriceTable,
  pending: readonly PendingQuestion[] = [],
): RunView {
  const dashboard = createDashboard()
  const asked = new Map<string, RunQuestion>()
  for (const e of events) {
    dashboard.apply(e)
    if (e.category === 'agent' && e.action === 'blocked' && e.agent_id) {
      const msgId = blockedMsgId(e)
      if (!asked.has(msgId)) asked.set(msgId, { msg_id: msgId, agent_id: e.agent_id, question: String(e.payload.question ?? ''), asked_at: e.timestamp, status: 'unknown', answer: undefined })
    }
  }
  const book = bookOf(dashboard, prices)
  const ofRun = pending.filter((q) => book.get(q.agent_id) !== undefined || q.graph_id === graphId)
  const model = deriveViewModel(dashboard.actor.getSnapshot(), book, ofRun, now)
  dashboard.stop()
  const questions = [...asked.values()].map((q) => {
    const record = statusOf(q.msg_id)
    if (!record) return q
    const answer = record.answer === undefined ? undefined : answerSummary(record.answer)
    // asked when its record says, as its card said: the agent's event may carry a clock of its own
    return { ...q, asked_at: record.created_at, status: record.status, answer, ...(record.answered_by ? { answered_by: record.answered_by } : {}) }
  })
  return { model, questions }
}
