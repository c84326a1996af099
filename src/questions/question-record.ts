// The question and response records of the workspace layout, made from validated input or read back from storage.
import { Type as T } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { makeEvent, type Event } from '../protocol/event'
import { AskBody, QUESTION_STATES, type QuestionState, type QuestionStatus } from '../protocol/question'
import { MAX_ID_LENGTH, MAX_TEXT, MAX_TIMESTAMP, MIN_TIMESTAMP } from '../protocol/limits'
import { firstFailure } from '../protocol/schema'
import { Invalid } from './errors'

export type { QuestionState, QuestionStatus }

/** `outbox:question:{msg_id}`: what GET /api/questions/:msg_id shows, less the answer, plus its run. */
export interface QuestionRecord extends Omit<QuestionStatus, 'answer' | 'responded_at'> {
  graph_id?: string
}
export interface ResponseRecord {
  answer: string
  responded_at: number
}
export interface AskInput {
  agent_id: string
  question: string
  options?: string[]
  timeout_s?: number
  msg_id?: string
  graph_id?: string
}
export type AnswerResult = ResponseRecord | { timed_out: true } | { cancelled: true }
/** A pending question as the page shows it: the record plus its msg_id. */
export type PendingQuestion = QuestionRecord & { msg_id: string }

export const QUESTION_PREFIX = 'outbox:question:'
export const questionKey = (msgId: string) => `${QUESTION_PREFIX}${msgId}`
export const responseKey = (msgId: string) => `inbox:response:${msgId}`
export const announcedKey = (msgId: string) => `announced:${msgId}`

/** An event id derived from a msg_id, so the same fact published twice is one event; always a valid id. */
function derivedId(prefix: string, msgId: string): string {
  const id = prefix + msgId
  if (id.length <= MAX_ID_LENGTH) return id
  return `${prefix}#${new Bun.CryptoHasher('sha256').update(msgId).digest('hex')}`
}

/** The id of the agent:blocked announcing msgId. */
export const announceId = (msgId: string) => derivedId('blocked:', msgId)

/** A new pending record from caller input, or Invalid naming the first bad field (the same schema as ingest). */
export function recordFromInput(input: unknown, createdAt: number, defaultMsgId: () => string = () => crypto.randomUUID()) {
  const failure = firstFailure(AskBody, input)
  if (failure) throw new Invalid(failure.field, failure.reason)
  const body = input as AskInput
  const record: QuestionRecord = {
    agent_id: body.agent_id,
    question: body.question.trim(),
    options: (body.options ?? []).map((o) => o.trim()),
    status: 'pending',
    created_at: createdAt,
  }
  if (body.timeout_s !== undefined) record.timeout_s = body.timeout_s
  if (body.graph_id !== undefined) record.graph_id = body.graph_id
  return { msgId: body.msg_id ?? defaultMsgId(), record }
}

export const sameQuestion = (a: QuestionRecord, b: QuestionRecord) =>
  a.agent_id === b.agent_id &&
  a.question === b.question &&
  JSON.stringify(a.options) === JSON.stringify(b.options) &&
  a.timeout_s === b.timeout_s

// What another process (Remora) may have written: only this much is trusted; the rest is filled in.
const StoredQuestion = T.Object({
  agent_id: T.String({ minLength: 1, maxLength: 200 }),
  question: T.String({ maxLength: 100_000 }),
  status: T.Union(QUESTION_STATES.map((s) => T.Literal(s))),
})

/** A stored value as a record, or undefined when it is not one we can show and answer. */
export function asRecord(value: unknown): QuestionRecord | undefined {
  if (!Value.Check(StoredQuestion, value)) return undefined
  const r = value as Partial<QuestionRecord> & Pick<QuestionRecord, 'agent_id' | 'question' | 'status'>
  const options = Array.isArray(r.options) ? r.options.filter((o): o is string => typeof o === 'string').slice(0, 20) : []
  const record: QuestionRecord = {
    agent_id: r.agent_id,
    question: r.question,
    options,
    status: r.status,
    // Another writer's clock may be anything: outside the sane range it reads as unknown (0).
    created_at: typeof r.created_at === 'number' && r.created_at >= MIN_TIMESTAMP && r.created_at <= MAX_TIMESTAMP ? r.created_at : 0,
  }
  if (typeof r.timeout_s === 'number' && r.timeout_s > 0 && Number.isFinite(r.timeout_s)) record.timeout_s = r.timeout_s
  if (typeof r.graph_id === 'string') record.graph_id = r.graph_id
  return record
}

/** A response written by another process counts only if it carries a string answer. */
export function asResponse(value: unknown, now: number): ResponseRecord | undefined {
  const raw = value as Partial<ResponseRecord> | undefined
  if (!raw || typeof raw !== 'object' || typeof raw.answer !== 'string') return undefined
  return { answer: raw.answer, responded_at: typeof raw.responded_at === 'number' ? raw.responded_at : now }
}

export const pastDeadline = (record: QuestionRecord, now: number) =>
  record.timeout_s !== undefined && now >= record.created_at + record.timeout_s * 1000

/** How a pending question ended. */
export type Settled = { kind: 'answered'; response: ResponseRecord } | { kind: 'timeout' } | { kind: 'cancelled' }

/** How a settled record ended, its response included (an answered record without one reads as withdrawn). */
export const settledOf = (record: QuestionRecord, response: ResponseRecord | undefined): Settled =>
  record.status === 'answered' && response ? { kind: 'answered', response } : { kind: record.status === 'timeout' ? 'timeout' : 'cancelled' }

/** A person's answer as stored: trimmed, non-empty, bounded. */
export function answerText(answer: unknown): string {
  const text = typeof answer === 'string' ? answer.trim() : ''
  if (!text) throw new Invalid('answer', 'must be a non-empty string')
  if (text.length > MAX_TEXT) throw new Invalid('answer', `must be at most ${MAX_TEXT} characters`)
  return text
}

/** The agent:blocked announcing a record (its id derived from the msg_id, so announcing twice is one event). */
export function blockedEvent(msgId: string, r: QuestionRecord): Event {
  const payload: Record<string, unknown> = { msg_id: msgId, question: r.question, options: r.options }
  if (r.timeout_s !== undefined) payload.timeout_s = r.timeout_s
  return makeEvent('agent', 'blocked', { id: announceId(msgId), agent_id: r.agent_id, graph_id: r.graph_id, payload })
}

/** The agent:resumed telling an agent how its question ended: one per question, so telling it twice is one event. */
export function resumedEvent(msgId: string, r: QuestionRecord, s: Settled): Event {
  const outcome = s.kind === 'answered' ? { answer: s.response.answer } : s.kind === 'timeout' ? { timed_out: true } : { cancelled: true }
  return makeEvent('agent', 'resumed', { id: derivedId('resumed:', msgId), agent_id: r.agent_id, graph_id: r.graph_id, payload: { msg_id: msgId, ...outcome } })
}
