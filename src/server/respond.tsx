// POST /agent/:agent_id/respond: a person's answer, from a card (Datastar signals) or a JSON client.
import { Elysia, t } from 'elysia'
import { Invalid } from '../coordinator/errors'
import type { WorkspaceInboxCoordinator } from '../coordinator/inbox-coordinator'
import { CardStatus, draftKey } from '../views/cards'
import { statusOf, UnsupportedMediaType } from './errors'
import { SSE_HEADERS } from './event-stream'
import { encodeFrame, patchElements, patchSignals } from './sse-encoder'

const body = t.Object(
  {
    msg_id: t.Optional(t.String()),
    answer: t.Optional(t.String()),
    responseDraft: t.Optional(t.Record(t.String(), t.Unknown())),
  },
  { additionalProperties: true },
)
type Body = typeof body.static

/** Which question and which answer: msg_id from the query (cards) or body; an option index or typed text. */
function readAnswer(coordinator: WorkspaceInboxCoordinator, query: { msg_id?: string; option?: string }, b: Body) {
  const msgId = query.msg_id ?? b.msg_id
  if (!msgId) throw new Invalid('msg_id: required')
  if (query.option !== undefined) {
    const options = coordinator.status(msgId)?.options ?? []
    const index = Number(query.option)
    if (!Number.isInteger(index) || index < 0 || index >= options.length)
      throw new Invalid(`option: must be an index below ${options.length}`)
    return { msgId, answer: options[index]! }
  }
  const answer = b.answer ?? b.responseDraft?.[draftKey(msgId)]
  if (typeof answer !== 'string') throw new Invalid('answer: required, a string')
  return { msgId, answer }
}

/** A Datastar request sees its outcome in the card: a status patch, with the contract's status code. */
function cardOutcome(msgId: string, code: number, text: string): Response {
  const parts = [patchElements({ html: String(<CardStatus msgId={msgId} text={text} ok={code < 300} />) })]
  if (code < 300) parts.push(patchSignals({ responseDraft: { [draftKey(msgId)]: '' } }))
  return new Response(encodeFrame(parts), { status: code, headers: SSE_HEADERS })
}

export function respondRoutes(coordinator: WorkspaceInboxCoordinator) {
  return new Elysia().post(
    '/agent/:agent_id/respond',
    ({ params, query, body, headers }) => {
      const datastar = headers['datastar-request'] === 'true'
      try {
        const { msgId, answer } = readAnswer(coordinator, query, body)
        const result = coordinator.respond(params.agent_id, msgId, answer)
        return datastar ? cardOutcome(msgId, 200, `Answered “${result.answer}” — the agent resumes.`) : result
      } catch (error) {
        const code = statusOf(error)
        const msgId = query.msg_id ?? body.msg_id
        if (!datastar || !code || !msgId) throw error
        return cardOutcome(msgId, code, (error as Error).message)
      }
    },
    {
      params: t.Object({ agent_id: t.String({ maxLength: 200 }) }),
      query: t.Object({ msg_id: t.Optional(t.String({ maxLength: 200 })), option: t.Optional(t.String()) }),
      body,
      // Before validation, so a wrong content type is a 415 rather than a schema error.
      transform({ headers }) {
        if (!headers['content-type']?.toLowerCase().startsWith('application/json'))
          throw new UnsupportedMediaType('content-type must be application/json')
      },
    },
  )
}
