// JSON API: snapshot, event ingest, and the question endpoints real agents block on.
import { Elysia, t } from 'elysia'
import { NotFound } from '../coordinator/errors'
import type { WorkspaceInboxCoordinator } from '../coordinator/inbox-coordinator'
import type { EventBus } from '../events/bus'
import { validateEvent, type Event } from '../events/event'
import type { DashboardStream } from './dashboard-stream'
import { PayloadTooLarge } from './errors'
import { SSE_HEADERS } from './event-stream'
import { heartbeat } from './sse-encoder'

export const MAX_INGEST_BYTES = 1 << 20
export const MAX_WAIT_S = 60

/** Validate a single event or an array; the error names the index and the failing field. */
function parseBatch(body: unknown): Event[] {
  const items = Array.isArray(body) ? body : [body]
  return items.map((item, i) => {
    const r = validateEvent(item)
    if (r.ok) return r.event
    const at = Array.isArray(body) ? `[${i}].` : ''
    throw Object.assign(new Error(`${at}${r.field} ${r.reason}`), { status: 400, field: `${at}${r.field}` })
  })
}

const askBody = t.Object({
  agent_id: t.String(),
  question: t.String(),
  options: t.Optional(t.Array(t.String())),
  timeout_s: t.Optional(t.Number()),
  msg_id: t.Optional(t.String()),
  graph_id: t.Optional(t.String()),
})

function questionView(coordinator: WorkspaceInboxCoordinator, msgId: string) {
  const s = coordinator.status(msgId)
  if (!s) throw new NotFound(`no question ${msgId}`)
  return s
}

export function apiRoutes({ bus, coordinator, stream }: { bus: EventBus; coordinator: WorkspaceInboxCoordinator; stream: DashboardStream }) {
  return new Elysia()
    .get('/api/snapshot', () => {
      const { agents, blocked, graphs, results, events } = stream.fresh()
      return { agents, blocked, graphs, results, events }
    })
    .post(
      '/api/events',
      ({ body, status }) => {
        let events: Event[]
        try {
          events = parseBatch(body)
        } catch (error) {
          return status(400, { error: (error as Error).message, field: (error as { field?: string }).field })
        }
        const accepted = events.filter((e) => bus.publish(e)).length
        return status(202, { accepted, duplicates: events.length - accepted })
      },
      {
        body: t.Unknown(),
        transform({ headers }) {
          if (Number(headers['content-length'] ?? 0) > MAX_INGEST_BYTES) throw new PayloadTooLarge(`body over ${MAX_INGEST_BYTES} bytes`)
        },
      },
    )
    .post(
      '/api/questions',
      ({ body, status }) => {
        const { msg_id, created } = coordinator.ask(body)
        return status(created ? 201 : 200, { msg_id })
      },
      { body: askBody },
    )
    .get(
      '/api/questions/:msg_id',
      async ({ params, query, request }) => {
        const current = questionView(coordinator, params.msg_id)
        if (!query.wait || current.status !== 'pending') return current
        return coordinator.waitForChange(params.msg_id, query.wait * 1000, request.signal)
      },
      { query: t.Object({ wait: t.Optional(t.Numeric({ minimum: 0, maximum: MAX_WAIT_S })) }) },
    )
    .get('/api/questions/:msg_id/events', ({ params, request, server }) => {
      questionView(coordinator, params.msg_id)
      server?.timeout(request, 0)
      return new Response(questionStream(coordinator, params.msg_id, request.signal), { headers: SSE_HEADERS })
    })
}

/** `event: status` frames: the current status, then the final one; a heartbeat keeps it open meanwhile. */
function questionStream(coordinator: WorkspaceInboxCoordinator, msgId: string, signal: AbortSignal) {
  const encoder = new TextEncoder()
  const frame = (data: unknown) => encoder.encode(`event: status\ndata: ${JSON.stringify(data)}\n\n`)
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      let current = questionView(coordinator, msgId)
      controller.enqueue(frame(current))
      while (current.status === 'pending' && !signal.aborted) {
        try {
          current = await coordinator.waitForChange(msgId, 15_000, signal)
        } catch (error) {
          if (signal.aborted) break
          throw error
        }
        controller.enqueue(current.status === 'pending' ? encoder.encode(heartbeat()) : frame(current))
      }
      controller.close()
    },
  })
}
