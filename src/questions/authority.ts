// Where questions are decided when several instances share one store (REDIS_URL): the records there are the truth,
// each instance's workspace a copy kept in step (shared-decisions.ts). Without one, the local workspace decides.
import type { QuestionRecord, ResponseRecord, Settled } from './question-record'

/** The shared record of one question and, once answered, its response. */
export interface Truth {
  record: QuestionRecord
  response?: ResponseRecord
}

/**
 * What a settle attempt found: `won` this attempt settled it now; `settled` it had ended before (the truth
 * says how); `pending` a timeout asked for before its deadline; `missing` no such question for that agent.
 */
export type Verdict = { kind: 'won' | 'settled' | 'pending'; truth: Truth } | { kind: 'missing' }

export interface SettleOptions {
  /** the local copy's pending record, stored first when the shared store has none (a question older than it) */
  fallback?: QuestionRecord
  /** false for an outcome the agent reported itself: no deadline turns it into a timeout */
  deadline: boolean
}

export interface QuestionAuthority {
  /** The shared record, or undefined when the shared store holds none. */
  read(msgId: string): Promise<Truth | undefined>
  /** Every pending shared record, as [msg_id, record]. */
  pending(): Promise<Array<[string, QuestionRecord]>>
  /** One atomic step: if msg_id is agent_id's and pending (and, for a person's outcome, not past its deadline), settle it. */
  settle(msgId: string, agentId: string, outcome: Settled, now: number, options: SettleOptions): Promise<Verdict>
}
