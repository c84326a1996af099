// The pending question records in memory: what the page shows as cards, kept in step with the workspace.
import type { PendingQuestion, QuestionRecord } from './question-record'

export class PendingIndex {
  private readonly byMsgId = new Map<string, QuestionRecord>()
  private readonly listeners = new Set<() => void>()

  /** Oldest first. */
  list(): PendingQuestion[] {
    return [...this.byMsgId].map(([msg_id, r]) => ({ ...r, msg_id })).sort((a, b) => a.created_at - b.created_at)
  }

  view(): ReadonlyMap<string, QuestionRecord> {
    return this.byMsgId
  }

  entries(): Array<[string, QuestionRecord]> {
    return [...this.byMsgId]
  }

  get(msgId: string): QuestionRecord | undefined {
    return this.byMsgId.get(msgId)
  }

  /** A record was written: it is pending, or no longer. */
  track(msgId: string, record: QuestionRecord): void {
    const had = this.byMsgId.has(msgId)
    if (record.status === 'pending') this.byMsgId.set(msgId, record)
    else this.byMsgId.delete(msgId)
    if (had !== (record.status === 'pending')) this.changed()
  }

  /** A record written in a transaction that was rolled back: it is not there after all. */
  drop(msgId: string): void {
    if (this.byMsgId.delete(msgId)) this.changed()
  }

  /** Replace everything with what the workspace holds now (other processes write too). */
  replace(pending: Iterable<[string, QuestionRecord]>): void {
    const before = [...this.byMsgId.keys()].join('\n')
    this.byMsgId.clear()
    for (const [msgId, record] of pending) this.byMsgId.set(msgId, record)
    if ([...this.byMsgId.keys()].join('\n') !== before) this.changed()
  }

  /** Called whenever the set of pending questions changes. Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }
}
