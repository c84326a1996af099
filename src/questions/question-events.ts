// The events the question service publishes about a question. Their ids derive from the msg_id where a fact may be
// told twice (a restart, another instance catching up), so telling it twice is one event.
import { makeEvent, type Event } from '../protocol/event'
import { MAX_ID_LENGTH } from '../protocol/limits'
import type { QuestionRecord, Settled } from './question-record'

/** An event id derived from a msg_id, so the same fact published twice is one event; always a valid id. */
function derivedId(prefix: string, msgId: string): string {
  const id = prefix + msgId
  if (id.length <= MAX_ID_LENGTH) return id
  return `${prefix}#${new Bun.CryptoHasher('sha256').update(msgId).digest('hex')}`
}

/** The id of the agent:blocked announcing msgId. */
export const announceId = (msgId: string) => derivedId('blocked:', msgId)

/** The agent:blocked announcing a record. */
export function blockedEvent(msgId: string, r: QuestionRecord): Event {
  const payload: Record<string, unknown> = { msg_id: msgId, question: r.question, options: r.options, kind: r.kind }
  if (r.timeout_s !== undefined) payload.timeout_s = r.timeout_s
  if (r.schema !== undefined) payload.schema = r.schema
  if (r.context !== undefined) payload.context = r.context
  if (r.details !== undefined) payload.details = r.details
  return makeEvent('agent', 'blocked', { id: announceId(msgId), agent_id: r.agent_id, graph_id: r.graph_id, payload })
}

/** The agent:resumed telling an agent how its question ended: one per question. */
export function resumedEvent(msgId: string, r: QuestionRecord, s: Settled): Event {
  const outcome =
    s.kind === 'answered'
      ? { answer: s.response.answer, ...(s.response.answered_by ? { answered_by: s.response.answered_by } : {}) }
      : s.kind === 'timeout'
        ? { timed_out: true }
        : { cancelled: true, ...(s.by ? { answered_by: s.by } : {}) }
  return makeEvent('agent', 'resumed', { id: derivedId('resumed:', msgId), agent_id: r.agent_id, graph_id: r.graph_id, payload: { msg_id: msgId, ...outcome } })
}

/** A person answered msgId: the log's line for who acted (the agent:resumed says how it ended). */
export const respondedEvent = (agentId: string, msgId: string): Event =>
  makeEvent('user', 'responded', { agent_id: agentId, payload: { agent_id: agentId, msg_id: msgId } })
