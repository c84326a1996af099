// The question records in this instance's workspace and the pending index kept in step with them: the reads and
// writes the question service decides with (alone), or copies the shared records into (several instances).
import type { Workspace } from '../workspace/workspace'
import type { Truth } from './authority'
import { Conflict } from './errors'
import type { OnceLog } from './once-log'
import type { PendingIndex } from './pending-index'
import { countSettled } from './question-metrics'
import {
  announcedKey,
  asRecord,
  asResponse,
  QUESTION_PREFIX,
  questionKey,
  responseKey,
  sameQuestion,
  settledOf,
  type QuestionRecord,
  type ResponseRecord,
  type Settled,
} from './question-record'

export class QuestionCopy {
  constructor(
    readonly ws: Workspace,
    readonly index: PendingIndex,
    private readonly now: () => number,
    private readonly skipped: OnceLog,
  ) {}

  record(msgId: string): QuestionRecord | undefined {
    return asRecord(this.ws.get(questionKey(msgId)))
  }

  response(msgId: string): ResponseRecord | undefined {
    return asResponse(this.ws.get(responseKey(msgId)), this.now())
  }

  /** Inside a transaction: write a new pending record; false when the same question is already there. */
  store(msgId: string, record: QuestionRecord): boolean {
    const existing = this.record(msgId)
    if (existing) {
      if (sameQuestion(existing, record)) return false
      throw new Conflict(`msg_id ${msgId} already holds a different question`)
    }
    this.ws.set(questionKey(msgId), record)
    this.ws.set(announcedKey(msgId), this.now())
    this.index.track(msgId, record)
    return true
  }

  /** Inside a transaction: the pending record ends as `s`. */
  settle(msgId: string, record: QuestionRecord, s: Settled): Settled {
    const next: QuestionRecord = { ...record, status: s.kind }
    if (s.kind === 'cancelled' && s.by !== undefined) next.answered_by = s.by
    this.ws.set(questionKey(msgId), next)
    this.index.track(msgId, next) // inside the transaction: the record leaves pending
    countSettled(record, s)
    return s
  }

  /** Several instances: the shared record says msg_id ended; true when the copy here was pending until now. */
  adopt(msgId: string, { record, response }: Truth): boolean {
    // Read first without the write lock: most calls find the copy already settled (every GET of an ended question).
    if (record.status === 'pending' || this.record(msgId)?.status !== 'pending') return false
    const s: Settled = record.status === 'cancelled' ? { kind: 'cancelled', by: record.answered_by } : settledOf(record, response)
    return this.ws.transaction(() => {
      const current = this.record(msgId)
      if (current?.status !== 'pending') return false
      if (response) this.ws.set(responseKey(msgId), response)
      this.settle(msgId, current, s)
      return true
    })
  }

  /** Rebuild the pending index from the workspace; records it cannot use are skipped with one line each. */
  reindex(): void {
    const pending: Array<[string, QuestionRecord]> = []
    for (const { key, value } of this.ws.list(QUESTION_PREFIX)) {
      const record = asRecord(value)
      if (!record) this.skipped.report(key, new Error('not a question record'))
      else if (record.status === 'pending') pending.push([key.slice(QUESTION_PREFIX.length), record])
    }
    this.index.replace(pending)
  }
}
