// The question API real agents block on: ask, read (or long-poll) a status, stream it.
import { patterns, routes } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { EventBus } from '../../events/bus'
import { Invalid, NotFound, ServiceClosing } from '../../questions/errors'
import type { QuestionService } from '../../questions/question-service'
import { heartbeat } from '../../live/sse-encoder'
import { withStorage } from '../../workspace/storage-retry'
import { SSE_HEADERS } from './events'
import { metrics } from '../../telemetry/metrics'

export const MAX_WAIT_S = 60
/** Bun ends a connection idle longer than its idleTimeout (10 s by default); a long-poll is idle by design. */
const LONG_POLL_SLACK_S = 5

function waitSeconds(raw: string | undefined): number {
  if (raw === undefined) return 0
  const s = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || s > MAX_WAIT_S) throw new Invalid('query.wait', `must be a number of seconds from 0 to ${MAX_WAIT_S}`)
  return s
}

async function questionView(questions: QuestionService, msgId: string) {
  const s = await questions.current(msgId)
  if (!s) throw new NotFound(`no question ${msgId}`)
  return s
}

export function questionRoutes(questions: QuestionService, bus: EventBus) {
  return new Elysia()
    .post(
      routes.questions,
      async ({ body, status }) => {
        // Checked by the question service against the same schema as agent:blocked payloads: a 400 names the field.
        // A store that cannot take events (disk full, file gone) refuses before the record is written.
        const since = Date.now()
        await bus.writable(since)
        const { msg_id, created } = await withStorage(() => questions.ask(body), since)
        await bus.persisted()
        return status(created ? 201 : 200, { msg_id })
      },
      { body: t.Unknown() },
    )
    .get(
      patterns.question,
      async ({ params, query, request, server }) => {
        const wait = waitSeconds(query.wait)
        const current = await questionView(questions, params.msg_id)
        if (!wait || current.status !== 'pending') return current
        server?.timeout(request, Math.ceil(wait) + LONG_POLL_SLACK_S)
        return questions.waitForChange(params.msg_id, wait * 1000, request.signal)
      },
      // A string checked here: Elysia's errors for coerced query numbers do not name the parameter.
      { query: t.Object({ wait: t.Optional(t.String({ maxLength: 10 })) }) },
    )
    .get(patterns.questionEvents, async ({ params, request, server }) => {
      await questionView(questions, params.msg_id)
      server?.timeout(request, 0)
      return new Response(questionStream(questions, params.msg_id, request.signal), { headers: SSE_HEADERS })
    })
}

/** `event: status` frames: the current status, then the final one; a heartbeat keeps it open meanwhile. */
function questionStream(questions: QuestionService, msgId: string, signal: AbortSignal) {
  const encoder = new TextEncoder()
  const frame = (data: unknown) => encoder.encode(`event: status\ndata: ${JSON.stringify(data)}\n\n`)
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const open = metrics.sseClients.labels('question')
      open.inc()
      try {
        let current = await questionView(questions, msgId)
        controller.enqueue(frame(current))
        while (current.status === 'pending' && !signal.aborted) {
          try {
            current = await questions.waitForChange(msgId, 15_000, signal)
          } catch (error) {
            // Ended by the client, or by a shutdown: errored, so an EventSource reconnects.
            if (!signal.aborted) controller.error(error)
            return
          }
          // Stopping: end in an error so that the client reconnects to the next process.
          if (current.status === 'pending' && questions.stopping) return controller.error(new ServiceClosing())
          controller.enqueue(current.status === 'pending' ? encoder.encode(heartbeat()) : frame(current))
        }
        controller.close()
      } finally {
        open.dec()
      }
    },
  })
}
