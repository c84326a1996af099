// POST /agent/:agent_id/respond and /cancel: a person's answer (or withdrawal), from a card (Datastar signals) or a JSON client.
import { patterns } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { EventBus } from '../../events/bus'
import type { DashboardStream } from '../../live/dashboard-stream'
import { answerSummary, coerceFormValues } from '../../protocol/form'
import { AnswerShape, CancelBody, RespondBody } from '../../protocol/question'
import { firstFailure, Id } from '../../protocol/schema'
import { AlreadyAnswered, Expired, Invalid, NotFound } from '../../questions/errors'
import type { QuestionService } from '../../questions/question-service'
import { draftKey } from '../../views/targets'
import { errorBody } from '../errors'
import { withStorage } from '../../workspace/storage-retry'
import { nameOf } from './name'
import { tabOf } from './tab'

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Which question and which answer: msg_id from the query (cards) or body. A card sends an option's
 * index (`?option=`), Approve or Deny (`?approve=1|0`, its draft the comment), or its draft: the text,
 * or the form's values; a JSON client sends `answer`, typed as the question asks.
 */
async function readAnswer(questions: QuestionService, query: { msg_id?: string; option?: string; approve?: string }, body: RespondBody) {
  const msgId = query.msg_id ?? body.msg_id
  if (!msgId) throw new Invalid('msg_id', 'is required')
  // Read where the question is decided: with several instances it may not have reached this copy yet.
  const needed = query.option !== undefined || (query.approve === undefined && body.answer === undefined)
  const current = needed ? await withStorage(() => questions.current(msgId)) : undefined
  if (query.option !== undefined) {
    const options = current?.options ?? []
    const index = /^\d{1,3}$/.test(query.option) ? Number(query.option) : -1
    if (index < 0 || index >= options.length)
      throw new Invalid('option', options.length ? `must be an index below ${options.length}` : 'given, but this question has no options')
    return { msgId, answer: options[index]! }
  }
  const draft = body.responseDraft?.[draftKey(msgId)]
  if (query.approve !== undefined) {
    if (query.approve !== '1' && query.approve !== '0') throw new Invalid('approve', 'must be 1 (approve) or 0 (deny)')
    const comment = typeof draft === 'string' && draft.trim() ? { comment: draft } : {}
    return { msgId, answer: { approved: query.approve === '1', ...comment } }
  }
  if (body.answer !== undefined) {
    const problem = firstFailure(AnswerShape, body.answer, 'answer')
    if (problem) throw new Invalid(problem.field, problem.reason)
    return { msgId, answer: body.answer }
  }
  const schema = current?.schema
  return { msgId, answer: schema && isObject(draft) ? coerceFormValues(schema, draft) : draft }
}

/** What the person who answered reads in the toast. */
function outcomeText(error: unknown): string {
  if (error instanceof AlreadyAnswered) return `Already answered${error.answer === undefined ? '' : `: “${error.answer}”`}`
  if (error instanceof Expired) return `Too late: ${error.message}`
  if (error instanceof NotFound) return 'This question is no longer open.'
  return `Not sent: ${errorBody(error).error}`
}

/** Where the outcome of a page's answer is told: the tab's own stream (the dashboard's or an agent page's). */
export type Toaster = Pick<DashboardStream, 'toast'>

export function respondRoutes(questions: QuestionService, stream: Toaster, bus: EventBus) {
  /**
   * A card's request: the outcome goes to this tab's toast over its stream, the card leaves by the
   * stream too, so the request itself is answered 204 (or its error status). A JSON client gets the record.
   */
  async function act<T>(datastar: boolean, body: unknown, run: () => Promise<T>, said: (result: T) => string, status: (code: 204) => unknown) {
    const tab = datastar ? tabOf(body) : undefined
    try {
      const result = await run()
      // The agent:resumed is stored before the reply: a crash after it cannot leave the agent blocked.
      await bus.persisted()
      if (tab === undefined) return result
      stream.toast(tab, said(result), true)
      return status(204)
    } catch (error) {
      if (tab !== undefined) stream.toast(tab, outcomeText(error), false)
      throw error
    }
  }
  const isDatastar = (headers: Record<string, string | undefined>) => headers['datastar-request'] === 'true'

  return new Elysia()
    .post(
      patterns.respond,
      ({ params, query, body, headers, request, status }) =>
        act(
          isDatastar(headers),
          body,
          async () => {
            const { msgId, answer } = await readAnswer(questions, query, body)
            const by = body.answered_by ?? nameOf(request)
            return withStorage(() => questions.respond(params.agent_id, msgId, answer, by))
          },
          (result) => `Answered “${answerSummary(result.answer)}”: the agent resumes.`,
          (code) => status(code, undefined),
        ),
      {
        params: t.Object({ agent_id: Id() }),
        query: t.Object({ msg_id: t.Optional(Id()), option: t.Optional(t.String({ maxLength: 10 })), approve: t.Optional(t.String({ maxLength: 10 })) }),
        body: RespondBody,
      },
    )
    .post(
      patterns.cancel,
      ({ params, query, body, headers, request, status }) =>
        act(
          isDatastar(headers),
          body,
          async () => {
            const msgId = query.msg_id ?? body.msg_id
            if (!msgId) throw new Invalid('msg_id', 'is required')
            const by = body.answered_by ?? nameOf(request)
            return { msg_id: msgId, ...(await withStorage(() => questions.withdraw(params.agent_id, msgId, by))) }
          },
          () => 'Withdrawn: the agent goes on without an answer.',
          (code) => status(code, undefined),
        ),
      { params: t.Object({ agent_id: Id() }), query: t.Object({ msg_id: t.Optional(Id()) }), body: CancelBody },
    )
}
