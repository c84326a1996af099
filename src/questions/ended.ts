// How a question that left pending reads, wherever it was decided: its outcome, its status, the refusal of a late answer.
import { answerSummary } from '../protocol/form'
import { AlreadyAnswered, Expired } from './errors'
import type { AnswerResult, QuestionRecord, QuestionStatus, ResponseRecord, Settled } from './question-record'

/** How a settled record ended: the answer, a timeout, or a withdrawal with who withdrew it (an answered record without a response reads as withdrawn). */
export function outcomeOf(record: QuestionRecord, response: ResponseRecord | undefined): Settled {
  if (record.status === 'answered' && response) return { kind: 'answered', response }
  if (record.status === 'timeout') return { kind: 'timeout' }
  return record.answered_by === undefined ? { kind: 'cancelled' } : { kind: 'cancelled', by: record.answered_by }
}

/** The status GET /api/questions/:msg_id shows for a record and its response (the run's id left out). */
export function statusOf(record: QuestionRecord, response: ResponseRecord | undefined): QuestionStatus {
  const { graph_id: _graph, ...view } = record
  return record.status === 'answered' && response ? { ...view, ...response } : view
}

/** Why a person can no longer answer or withdraw a question that ended: 409 answered (with the answer), 410 timed out or withdrawn. */
export function refusal(msgId: string, record: QuestionRecord, response: ResponseRecord | undefined): Error {
  if (record.status === 'timeout') return new Expired(`question ${msgId} has timed out`)
  if (record.status !== 'answered') return new Expired(`question ${msgId} was withdrawn${record.answered_by ? ` by ${record.answered_by}` : ''}`)
  const said = response === undefined ? undefined : answerSummary(response.answer)
  return new AlreadyAnswered(`question ${msgId} is already answered${said ? `: ${said}` : ''}`, said)
}

/** What waitForAnswer resolves with once the status left pending: the answer, a timeout, or a withdrawal and who withdrew it. */
export function answerOf(s: QuestionStatus): AnswerResult {
  const by = s.answered_by ? { answered_by: s.answered_by } : {}
  if (s.status === 'timeout') return { timed_out: true }
  if (s.status === 'cancelled') return { cancelled: true, ...by }
  return { answer: s.answer ?? '', responded_at: s.responded_at ?? 0, ...by }
}
