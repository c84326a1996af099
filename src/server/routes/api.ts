// JSON API: the snapshot and event ingest.
import { routes } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { EventBus } from '../../events/bus'
import type { DashboardStream } from '../../live/dashboard-stream'
import { InvalidEvent, validateEvent, type Event } from '../../protocol/event'
import type { QuestionService } from '../../questions/question-service'
import { PayloadTooLarge } from '../errors'
import { withStorage } from '../storage-retry'

export const MAX_INGEST_BYTES = 1 << 20
export const MAX_BATCH = 10_000

/** Validate a single event or an array; the error names the index and the failing field. */
function parseBatch(body: unknown): Event[] {
  const items = Array.isArray(body) ? body : [body]
  if (items.length > MAX_BATCH) throw new InvalidEvent('body', `must hold at most ${MAX_BATCH} events`)
  return items.map((item, i) => {
    const r = validateEvent(item)
    if (r.ok) return r.event
    const at = Array.isArray(body) ? `[${i}].` : ''
    throw new InvalidEvent(`${at}${r.field}`, r.reason)
  })
}

export function apiRoutes({ bus, questions, stream }: { bus: EventBus; questions: QuestionService; stream: DashboardStream }) {
  return new Elysia()
    .get(routes.snapshot, () => {
      const { agents, blocked, graphs, results, events } = stream.fresh()
      return { agents, blocked, graphs, results, events }
    })
    .post(
      routes.ingest,
      async ({ body, status }) => {
        const events = parseBatch(body)
        // A question an agent asks by event becomes its record first: one that cannot is refused
        // here (400 naming the field, 409 for a msg_id holding another question), never shown as
        // a card nobody can answer.
        await withStorage(() => questions.admit(events))
        const accepted = events.filter((e) => bus.publish(e)).length
        // Stored before acknowledged: the 202 means a restart will not lose them.
        await bus.persisted()
        return status(202, { accepted, duplicates: events.length - accepted })
      },
      {
        body: t.Unknown(),
        transform({ headers }) {
          if (Number(headers['content-length'] ?? 0) > MAX_INGEST_BYTES) throw new PayloadTooLarge(`body over ${MAX_INGEST_BYTES} bytes`)
        },
      },
    )
}
