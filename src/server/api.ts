// JSON API: snapshot, event ingest, and the question endpoints real agents block on.
import { Elysia, t } from 'elysia'
import { Invalid, NotFound } from '../coordinator/errors'
import type { AskInput, WorkspaceInboxCoordinator } from '../coordinator/inbox-coordinator'
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

const badRequest = (field: string, reason: string) => Object.assign(new Error(`${field} ${reason}`), { status: 400, field })

/** The shape of a question body, checked by hand so a 400 names the field (as /api/events does). */
function parseAsk(body: unknown): AskInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('body', 'must be a JSON object')
  const b = body as Record<string, unknown>
  for (const key of ['agent_id', 'question'] as const) if (typeof b[key] !== 'string') throw badRequest(key, 'must be a string')
  for (const key of ['msg_id', 'graph_id'] as const)
    if (b[key] !== undefined && typeof b[key] !== 'string') throw badRequest(key, 'must be a string')
  if (b.options !== undefined && (!Array.isArray(b.options) || b.options.some((o) => typeof o !== 'string')))
    throw badRequest('options', 'must be an array of strings')
  if (b.timeout_s !== undefined && typeof b.timeout_s !== 'number') throw badRequest('timeout_s', 'must be a number')
  return b as unknown as AskInput
}

/** The coordinator's Invalid messages start with the field they are about ("options[0] must …"). */
const invalidField = (error: Invalid) => /^[\w.[\]]+/.exec(error.message)?.[0] ?? 'body'

/** Bun ends a connection idle longer than its idleTimeout (10 s by default); a long-poll is idle by design. */
const LONG_POLL_SLACK_S = 5

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
        try {
          const { msg_id, created } = coordinator.ask(parseAsk(body))
          return status(created ? 201 : 200, { msg_id })
        } catch (error) {
          const field = error instanceof Invalid ? invalidField(error) : (error as { field?: string }).field
          if (field === undefined) throw error
          return status(400, { error: (error as Error).message, field })
        }
      },
      { body: t.Unknown() },
    )
    .get(
      '/api/questions/:msg_id',
      async ({ params, query, request, server }) => {
        const current = questionView(coordinator, params.msg_id)
        if (!query.wait || current.status !== 'pending') return current
        server?.timeout(request, Math.ceil(query.wait) + LONG_POLL_SLACK_S)
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
