// POST /agent/:agent_id/respond: a person's answer, from a card (Datastar signals) or a JSON client.
import { patterns } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { EventBus } from '../../events/bus'
import type { DashboardStream } from '../../live/dashboard-stream'
import { RespondBody } from '../../protocol/question'
import { Id } from '../../protocol/schema'
import { AlreadyAnswered, Expired, Invalid, NotFound } from '../../questions/errors'
import type { QuestionService } from '../../questions/question-service'
import { draftKey } from '../../views/targets'
import { errorBody } from '../errors'
import { withStorage } from '../storage-retry'
import { tabOf } from './tab'

/** Which question and which answer: msg_id from the query (cards) or body; an option index or typed text. */
function readAnswer(questions: QuestionService, query: { msg_id?: string; option?: string }, body: RespondBody) {
  const msgId = query.msg_id ?? body.msg_id
  if (!msgId) throw new Invalid('msg_id', 'is required')
  if (query.option !== undefined) {
    const options = questions.status(msgId)?.options ?? []
    const index = /^\d{1,3}$/.test(query.option) ? Number(query.option) : -1
    if (index < 0 || index >= options.length)
      throw new Invalid('option', options.length ? `must be an index below ${options.length}` : 'given, but this question has no options')
    return { msgId, answer: options[index]! }
  }
  const answer = body.answer ?? body.responseDraft?.[draftKey(msgId)]
  return { msgId, answer }
}

/** What the person who answered reads in the toast. */
function outcomeText(error: unknown): string {
  if (error instanceof AlreadyAnswered) return `Already answered${error.answer === undefined ? '' : `: “${error.answer}”`}`
  if (error instanceof Expired) return `Too late: ${error.message}`
  if (error instanceof NotFound) return 'This question is no longer open.'
  return `Not sent: ${errorBody(error).error}`
}

export function respondRoutes(questions: QuestionService, stream: DashboardStream, bus: EventBus) {
  return new Elysia().post(
    patterns.respond,
    async ({ params, query, body, headers, status }) => {
      // A card's request: the answer's outcome goes to this tab's toast over its stream, the card
      // leaves by the stream too, so the request itself is answered 204 (or its error status).
      const tab = headers['datastar-request'] === 'true' ? tabOf(body) : undefined
      try {
        const { msgId, answer } = readAnswer(questions, query, body)
        const result = await withStorage(() => questions.respond(params.agent_id, msgId, answer))
        // The agent:resumed is stored before the 200: a crash after it cannot leave the agent blocked.
        await bus.persisted()
        if (tab === undefined) return result
        stream.toast(tab, `Answered “${result.answer}”: the agent resumes.`, true)
        return status(204, undefined)
      } catch (error) {
        if (tab !== undefined) stream.toast(tab, outcomeText(error), false)
        throw error
      }
    },
    {
      params: t.Object({ agent_id: Id() }),
      query: t.Object({ msg_id: t.Optional(Id()), option: t.Optional(t.String({ maxLength: 10 })) }),
      body: RespondBody,
    },
  )
}
