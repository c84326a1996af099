// The question records in this instance's workspace and the pending index kept in step with them: the reads and
// writes the question service decides with (alone), or copies the shared records into (several instances).
import { WorkspaceCorrupt, type Workspace } from '../workspace/workspace'
import type { Truth } from './authority'
import { outcomeOf, statusOf } from './ended'
import { Conflict } from './errors'
import type { OnceLog } from '../telemetry/once'
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
  type QuestionRecord,
  type QuestionStatus,
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
    return asRecord(this.read(questionKey(msgId)))
  }

  response(msgId: string): ResponseRecord | undefined {
    return asResponse(this.read(responseKey(msgId)), this.now())
  }

  /** The status as this workspace has it (with several instances, a copy of the shared record's). */
  status(msgId: string): QuestionStatus | undefined {
    const record = this.record(msgId)
    if (!record) return undefined
    return statusOf(record, record.status === 'answered' ? this.response(msgId) : undefined)
  }

  /**
   * A value another process left that is not JSON reads as absent, with one line, as reindex() skips it: it
   * was a 500 on every read and answer of that question, and a start that threw (resettle read it).
   */
  private read(key: string): unknown {
    try {
      return this.ws.get(key)
    } catch (error) {
      if (!(error instanceof WorkspaceCorrupt)) throw error
      this.skipped.report(key, error)
      return undefined
    }
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

  /** New pending records in one transaction, all or none; how many were new. */
  storeAll(made: ReadonlyArray<{ msgId: string; record: QuestionRecord }>): string[] {
    const added: string[] = []
    try {
      return this.ws.transaction(() => {
        added.length = 0
        for (const { msgId, record } of made) if (this.store(msgId, record)) added.push(msgId)
        return added
      })
    } catch (error) {
      // Rolled back (a later msg_id held another question): a refused batch once showed its first questions as
      // cards until the next poll re-read the file.
      for (const msgId of added) this.index.drop(msgId)
      throw error
    }
  }

  /**
   * Records made for events that were then not stored: gone again, unless something already happened to them
   * (answered, or answered straight into the inbox). Best effort: on the disk that refused the events, this
   * write may fail too, and is then said once in the log (the next poll still shows the card).
   */
  discard(msgIds: readonly string[]): void {
    try {
      this.ws.transaction(() => {
        for (const msgId of msgIds) {
          if (this.record(msgId)?.status !== 'pending' || this.response(msgId)) continue
          this.ws.delete(questionKey(msgId))
          this.ws.delete(announcedKey(msgId))
          this.index.drop(msgId)
        }
      })
    } catch (error) {
      this.skipped.report(`discarding ${msgIds.length} unstored question(s)`, error)
    }
  }

  /** Inside a transaction: the pending record ends as `s`; returns the record as it is now. */
  settle(msgId: string, record: QuestionRecord, s: Settled): QuestionRecord {
    const next: QuestionRecord = { ...record, status: s.kind }
    if (s.kind === 'cancelled' && s.by !== undefined) next.answered_by = s.by
    if (s.kind === 'answered' && !this.response(msgId)) this.ws.set(responseKey(msgId), s.response)
    this.ws.set(questionKey(msgId), next)
    this.index.track(msgId, next) // inside the transaction: the record leaves pending
    countSettled(record, s)
    return next
  }

  /** A decision undone (its agent:resumed was refused by the store): the record pending as it was, its response gone. */
  reopen(msgId: string, pending: QuestionRecord): void {
    this.ws.transaction(() => {
      this.ws.delete(responseKey(msgId))
      this.ws.set(questionKey(msgId), pending)
      this.index.track(msgId, pending)
    })
  }

  /** Several instances: the shared record says msg_id ended; true when the copy here was pending until now. */
  adopt(msgId: string, { record, response }: Truth): boolean {
    // Read first without the write lock: most calls find the copy already settled (every GET of an ended question).
    if (record.status === 'pending' || this.record(msgId)?.status !== 'pending') return false
    return this.ws.transaction(() => {
      const current = this.record(msgId)
      if (current?.status !== 'pending') return false
      if (response) this.ws.set(responseKey(msgId), response)
      this.settle(msgId, current, outcomeOf(record, response))
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
