// Question and answer shapes on the wire: the question API, agent:blocked payloads, respond bodies.
import { Type as T, type Static } from '@sinclair/typebox'
import { FormSchema, QUESTION_KINDS, type Answer, type QuestionKind } from './form.ts'
import { MAX_CONTEXT, MAX_TEXT } from './limits.ts'
import { Id, Name, Options, Text, TimeoutS } from './schema.ts'
import { parseTraceparent, traceAgentId } from './trace.ts'

export { QUESTION_KINDS, type Answer, type QuestionKind }

/** Any answer: text, or an object (an approval, a form's values). */
export const AnswerShape = T.Union([T.String({ maxLength: MAX_TEXT }), T.Record(T.String(), T.Unknown())], {
  error: `must be a string of at most ${MAX_TEXT} characters, {approved, comment?} or the form's values`,
})

/** What a question is, wherever it is asked from. */
const questionFields = {
  question: Text(),
  options: T.Optional(Options),
  timeout_s: T.Optional(TimeoutS),
  /** text (default), options (default when options are given), approval, form (default when a schema is given) */
  kind: T.Optional(T.Union(QUESTION_KINDS.map((k) => T.Literal(k)), { error: `must be one of ${QUESTION_KINDS.join(', ')}` })),
  /** a form question's fields: MCP elicitation's requestedSchema subset */
  schema: T.Optional(FormSchema),
  /** markdown shown above the question: what led to it */
  context: T.Optional(Text(MAX_CONTEXT)),
  /** any JSON the agent wants the person to see (shown folded, cut when long) */
  details: T.Optional(T.Unknown()),
}

/** POST /api/questions; with `traceparent` (W3C) and no agent_id, the question is the traced run's own agent's. */
export const AskBody = T.Object(
  { agent_id: Id(), msg_id: T.Optional(Id()), graph_id: T.Optional(Id()), traceparent: T.Optional(T.String({ maxLength: 512 })), ...questionFields },
  { additionalProperties: true, error: 'must be a JSON object' },
)
export type AskBody = Static<typeof AskBody>

/**
 * The question's agent and run from its traceparent when it names no agent (a question asked from inside a traced run
 * belongs to the agent its spans make: `otel:<trace id>`, run = the trace id); a bad traceparent is Invalid.
 */
export function withTraceparent(input: unknown): { ok: true; input: unknown } | { ok: false; field: string; reason: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: true, input }
  const body = input as Record<string, unknown>
  if (body.traceparent === undefined) return { ok: true, input }
  const parsed = parseTraceparent(body.traceparent)
  if ('reason' in parsed) return { ok: false, field: 'traceparent', reason: parsed.reason }
  return { ok: true, input: { ...body, agent_id: body.agent_id ?? traceAgentId(parsed.traceId), graph_id: body.graph_id ?? parsed.traceId } }
}

/** The payload of agent:blocked: the same question, its msg_id defaulting to the event id. */
export const BlockedPayload = T.Object({ msg_id: T.Optional(Id()), ...questionFields }, { additionalProperties: true })

/** The msg_id an agent:blocked asks under: its payload's, else the event's own id (the one place this is decided). */
export const blockedMsgId = (e: { id: string; payload: Record<string, unknown> }): string => (typeof e.payload.msg_id === 'string' ? e.payload.msg_id : e.id)

/** The kind of a question that names none: a form when it has a schema, options when it lists some, else text. */
export const defaultKind = (schema: unknown, options: readonly unknown[]): QuestionKind => (schema !== undefined ? 'form' : options.length ? 'options' : 'text')

/** POST /agent/:agent_id/respond from a JSON client. Datastar requests carry their signals instead. */
export const RespondBody = T.Object(
  {
    msg_id: T.Optional(Id()),
    /** a string (text and options), {approved, comment?} (approval) or the form's values (form) */
    // Unknown here: Elysia coerces a body to fit its schema (an array to an object, 5 to {}), so the
    // shape is checked by the question service against what the question asks (AnswerShape first).
    answer: T.Optional(T.Unknown()),
    /** who answers, as shown in the log and the history (the page uses its name cookie or the session's) */
    answered_by: T.Optional(Name),
    responseDraft: T.Optional(T.Record(T.String(), T.Unknown())),
    tab: T.Optional(T.String({ maxLength: 64 })),
  },
  { additionalProperties: true, error: 'must be a JSON object' },
)
export type RespondBody = Static<typeof RespondBody>

/** POST /agent/:agent_id/cancel: withdraw a pending question (the agent is told it was cancelled). */
export const CancelBody = T.Object(
  { msg_id: T.Optional(Id()), answered_by: T.Optional(Name), tab: T.Optional(T.String({ maxLength: 64 })) },
  { additionalProperties: true, error: 'must be a JSON object' },
)
export type CancelBody = Static<typeof CancelBody>

export const QUESTION_STATES = ['pending', 'answered', 'timeout', 'cancelled'] as const
export type QuestionState = (typeof QUESTION_STATES)[number]

/** GET /api/questions/:msg_id */
export interface QuestionStatus {
  agent_id: string
  question: string
  options: string[]
  kind: QuestionKind
  schema?: FormSchema
  context?: string
  details?: unknown
  status: QuestionState
  created_at: number
  timeout_s?: number
  /** typed as the question asks: a string, {approved, comment?} or the form's values */
  answer?: Answer
  responded_at?: number
  /** who answered or withdrew it, when known */
  answered_by?: string
}
