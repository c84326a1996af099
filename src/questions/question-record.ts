// The question and response records of the workspace layout, made from validated input or read back from storage.
import { Type as T } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Event } from '../protocol/event'
import { ApprovalAnswer, formAnswerProblem, formSchemaProblem, QUESTION_KINDS, type Answer, type FormSchema, type QuestionKind } from '../protocol/form'
import { AskBody, withTraceparent, blockedMsgId, defaultKind, QUESTION_STATES, type QuestionState, type QuestionStatus } from '../protocol/question'
import { MAX_DEPTH, MAX_DETAILS, MAX_ID_LENGTH, MAX_TEXT, MAX_TIMESTAMP, MIN_TIMESTAMP } from '../protocol/limits'
import { firstFailure, Id, tooDeep } from '../protocol/schema'
import { Invalid } from './errors'

export type { QuestionState, QuestionStatus }

/** `outbox:question:{msg_id}`: what GET /api/questions/:msg_id shows, less the answer, plus its run. */
export interface QuestionRecord extends Omit<QuestionStatus, 'answer' | 'responded_at'> {
  graph_id?: string
}
export interface ResponseRecord {
  answer: Answer
  responded_at: number
  answered_by?: string
}
export interface AskInput {
  agent_id: string
  question: string
  options?: string[]
  timeout_s?: number
  msg_id?: string
  graph_id?: string
  kind?: QuestionKind
  schema?: FormSchema
  context?: string
  details?: unknown
}
/** How waitForAnswer ends: the response, a timeout, or a withdrawal (by whom, when known). */
export type AnswerResult = ResponseRecord | { timed_out: true } | { cancelled: true; answered_by?: string }
/** A pending question as the page shows it: the record plus its msg_id. */
export type PendingQuestion = QuestionRecord & { msg_id: string }

export const QUESTION_PREFIX = 'outbox:question:'
export const questionKey = (msgId: string) => `${QUESTION_PREFIX}${msgId}`
export const responseKey = (msgId: string) => `inbox:response:${msgId}`
export const announcedKey = (msgId: string) => `announced:${msgId}`

/** A new pending record from caller input, or Invalid naming the first bad field (the same schema as ingest). */
export function recordFromInput(raw: unknown, createdAt: number, defaultMsgId: () => string = () => crypto.randomUUID()) {
  const traced = withTraceparent(raw)
  if (!traced.ok) throw new Invalid(traced.field, traced.reason)
  const input = traced.input
  const failure = firstFailure(AskBody, input)
  if (failure) throw new Invalid(failure.field, failure.reason)
  const body = input as AskInput
  const options = (body.options ?? []).map((o) => o.trim())
  const kind = kindOf(body, options)
  const record: QuestionRecord = { agent_id: body.agent_id, question: body.question.trim(), options, kind, status: 'pending', created_at: createdAt }
  if (body.schema !== undefined) record.schema = body.schema
  if (body.context !== undefined) record.context = body.context
  if (body.details !== undefined) record.details = detailsOf(body.details)
  if (body.timeout_s !== undefined) record.timeout_s = body.timeout_s
  if (body.graph_id !== undefined) record.graph_id = body.graph_id
  return { msgId: body.msg_id ?? defaultMsgId(), record }
}

/** The question's kind, given or implied, checked against what else it carries. */
function kindOf(body: AskInput, options: string[]): QuestionKind {
  const kind = body.kind ?? defaultKind(body.schema, options)
  if (kind === 'form' && body.schema === undefined) throw new Invalid('schema', 'is required for a form question')
  if (kind !== 'form' && body.schema !== undefined) throw new Invalid('kind', 'must be form when a schema is given')
  if (kind === 'options' && !options.length) throw new Invalid('options', 'must list at least one option for an options question')
  if (kind === 'approval' && options.length) throw new Invalid('options', 'are not used by an approval question (it has Approve and Deny)')
  const problem = body.schema === undefined ? undefined : formSchemaProblem(body.schema)
  if (problem) throw new Invalid(problem.field, problem.reason)
  return kind
}

function detailsOf(details: unknown): unknown {
  if (tooDeep(details)) throw new Invalid('details', 'must not nest deeper than 32 levels')
  const text = JSON.stringify(details)
  if (text === undefined) throw new Invalid('details', 'must be JSON')
  if (text.length > MAX_DETAILS) throw new Invalid('details', `must be at most ${MAX_DETAILS} characters as JSON`)
  return details
}

const json = (v: unknown) => JSON.stringify(v ?? null)

/** What an ingested agent:blocked asks, as ask() input (its msg_id defaulting to the event id). */
export function askInputOf(e: Event): Record<string, unknown> {
  const { question, options, timeout_s, kind, schema, context, details } = e.payload
  const input = { agent_id: e.agent_id, msg_id: blockedMsgId(e), question, options, timeout_s, kind, schema, context, details, graph_id: e.graph_id }
  // undefined fields are absent, not values the schema must check
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined))
}

export const sameQuestion = (a: QuestionRecord, b: QuestionRecord) =>
  a.agent_id === b.agent_id &&
  a.question === b.question &&
  json(a.options) === json(b.options) &&
  a.timeout_s === b.timeout_s &&
  a.kind === b.kind &&
  json(a.schema) === json(b.schema) &&
  a.context === b.context &&
  json(a.details) === json(b.details)

// What another process (Remora) may have written: only this much is trusted; the rest is filled in.
const StoredQuestion = T.Object({
  agent_id: T.String({ minLength: 1, maxLength: 200 }),
  question: T.String({ maxLength: 100_000 }),
  status: T.Union(QUESTION_STATES.map((s) => T.Literal(s))),
})

/** A run id as ingest takes it: a stored one that is not (a line break in it) is left out of the record. */
const StoredGraphId = Id()

/** A stored value as a record, or undefined when it is not one we can show and answer. */
export function asRecord(value: unknown): QuestionRecord | undefined {
  if (!Value.Check(StoredQuestion, value)) return undefined
  const r = value as Partial<QuestionRecord> & Pick<QuestionRecord, 'agent_id' | 'question' | 'status'>
  const options = Array.isArray(r.options) ? r.options.filter((o): o is string => typeof o === 'string').slice(0, 20) : []
  // A schema we cannot render or check makes the record one we cannot answer: skipped, not guessed at.
  const schema = r.schema === undefined ? undefined : formSchemaProblem(r.schema) ? null : r.schema
  if (schema === null) return undefined
  const kind: QuestionKind = QUESTION_KINDS.includes(r.kind as QuestionKind) ? (r.kind as QuestionKind) : defaultKind(schema, options)
  if ((kind === 'form') !== (schema !== undefined)) return undefined
  const record: QuestionRecord = {
    agent_id: r.agent_id,
    question: r.question,
    options,
    kind,
    status: r.status,
    // Another writer's clock may be anything: outside the sane range it reads as unknown (0).
    created_at: typeof r.created_at === 'number' && r.created_at >= MIN_TIMESTAMP && r.created_at <= MAX_TIMESTAMP ? r.created_at : 0,
  }
  if (typeof r.timeout_s === 'number' && r.timeout_s > 0 && Number.isFinite(r.timeout_s)) record.timeout_s = r.timeout_s
  // Kept only if an event could carry it: else the agent:resumed telling its agent could not be made.
  if (typeof r.graph_id === 'string' && !firstFailure(StoredGraphId, r.graph_id)) record.graph_id = r.graph_id
  if (schema) record.schema = schema
  if (typeof r.context === 'string') record.context = r.context
  // Details nested deeper than an event may carry are left out: JSON.stringify overflows its stack on them
  // (100,000 levels), and the agent:blocked announcing the question could not hold them.
  if (r.details !== undefined && !tooDeep(r.details, MAX_DEPTH - 1)) record.details = r.details
  if (typeof r.answered_by === 'string' && r.answered_by.length <= MAX_ID_LENGTH) record.answered_by = r.answered_by
  return record
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * A response written by another process counts only if it carries an answer an agent:resumed can carry: a string
 * of at most MAX_TEXT characters, or an object (approval, form) nested less deep than MAX_DEPTH. Another answer
 * settled the question and then failed its agent:resumed, so the agent was never told and each start threw on
 * telling it again; it reads as no answer instead, and the question stays open to one that fits.
 */
export function asResponse(value: unknown, now: number): ResponseRecord | undefined {
  const raw = value as Partial<ResponseRecord> | undefined
  if (!raw || typeof raw !== 'object') return undefined
  const { answer } = raw
  if (answer === undefined || (typeof answer === 'string' ? answer.length > MAX_TEXT : !isPlainObject(answer) || tooDeep(answer, MAX_DEPTH - 1))) return undefined
  const response: ResponseRecord = { answer, responded_at: typeof raw.responded_at === 'number' ? raw.responded_at : now }
  if (typeof raw.answered_by === 'string' && raw.answered_by.length <= MAX_ID_LENGTH) response.answered_by = raw.answered_by
  return response
}

export const pastDeadline = (record: QuestionRecord, now: number) =>
  record.timeout_s !== undefined && now >= record.created_at + record.timeout_s * 1000

/** How a pending question ended. */
export type Settled = { kind: 'answered'; response: ResponseRecord } | { kind: 'timeout' } | { kind: 'cancelled'; by?: string }

/** How an agent says its question ended, in its own agent:resumed. */
export function reportedOutcome(p: Record<string, unknown>, now: number): Settled {
  const response = p.timed_out === true || p.cancelled === true ? undefined : asResponse({ answer: p.answer, answered_by: p.answered_by }, now)
  return response ? { kind: 'answered', response } : { kind: p.timed_out === true ? 'timeout' : 'cancelled' }
}

/** A person's answer as its response record: checked against what the question asks, with when and by whom. */
export function responseOf(record: QuestionRecord, answer: unknown, at: number, by: string | undefined): ResponseRecord {
  const response: ResponseRecord = { answer: checkAnswer(record, answer), responded_at: at }
  if (by !== undefined) response.answered_by = by
  return response
}

/** A person's answer as stored: trimmed, non-empty, bounded. */
export function answerText(answer: unknown): string {
  const text = typeof answer === 'string' ? answer.trim() : ''
  if (!text) throw new Invalid('answer', 'must be a non-empty string')
  if (text.length > MAX_TEXT) throw new Invalid('answer', `must be at most ${MAX_TEXT} characters`)
  return text
}

/** The answer checked against what the question asks: text, {approved, comment?}, or the form's values. */
export function checkAnswer(record: QuestionRecord, answer: unknown): Answer {
  if (record.kind === 'approval') {
    const problem = firstFailure(ApprovalAnswer, answer, 'answer')
    if (problem) throw new Invalid(problem.field, problem.reason)
    const { approved, comment } = answer as ApprovalAnswer
    return comment?.trim() ? { approved, comment: comment.trim() } : { approved }
  }
  if (record.kind === 'form' && record.schema) {
    const problem = formAnswerProblem(record.schema, answer)
    if (problem) throw new Invalid(problem.field, problem.reason)
    const values = answer as Record<string, string | number | boolean>
    return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== '' && v !== null && v !== undefined))
  }
  return answerText(answer)
}
