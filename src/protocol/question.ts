// Question and answer shapes on the wire: the question API, agent:blocked payloads, respond bodies.
import { Type as T, type Static } from '@sinclair/typebox'
import { Id, Options, Text, TimeoutS } from './schema.ts'

/** What a question is, wherever it is asked from. */
const questionFields = {
  question: Text(),
  options: T.Optional(Options),
  timeout_s: T.Optional(TimeoutS),
}

/** POST /api/questions */
export const AskBody = T.Object(
  { agent_id: Id(), msg_id: T.Optional(Id()), graph_id: T.Optional(Id()), ...questionFields },
  { additionalProperties: true, error: 'must be a JSON object' },
)
export type AskBody = Static<typeof AskBody>

/** The payload of agent:blocked: the same question, its msg_id defaulting to the event id. */
export const BlockedPayload = T.Object({ msg_id: T.Optional(Id()), ...questionFields }, { additionalProperties: true })

/** POST /agent/:agent_id/respond from a JSON client. Datastar requests carry their signals instead. */
export const RespondBody = T.Object(
  {
    msg_id: T.Optional(Id()),
    answer: T.Optional(Text()),
    responseDraft: T.Optional(T.Record(T.String(), T.Unknown())),
    tab: T.Optional(T.String({ maxLength: 64 })),
  },
  { additionalProperties: true, error: 'must be a JSON object' },
)
export type RespondBody = Static<typeof RespondBody>

export const QUESTION_STATES = ['pending', 'answered', 'timeout', 'cancelled'] as const
export type QuestionState = (typeof QUESTION_STATES)[number]

/** GET /api/questions/:msg_id */
export interface QuestionStatus {
  agent_id: string
  question: string
  options: string[]
  status: QuestionState
  created_at: number
  timeout_s?: number
  answer?: string
  responded_at?: number
}
