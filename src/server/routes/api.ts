// JSON API: the snapshot and event ingest.
import { routes } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { EventBus } from '../../events/bus'
import type { DashboardView } from '../../view-model/dashboard-view'
import { InvalidEvent, validateEvent, type Event } from '../../protocol/event'
import type { EventStore } from '../../events/event-store'
import type { IgnoredEvents } from '../../machines/ignored-events'
import { Id } from '../../protocol/schema'
import { Invalid } from '../../questions/errors'
import { MAX_IGNORED_LISTED } from '../../machines/ignored-events'
import { PayloadTooLarge } from '../errors'
import { IngestBodyDoc } from '../../protocol/event-doc'

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

/**
 * The 202 of POST /api/events, for the OpenAPI document (the handler builds it; nothing validates it on the way
 * out). A TypeBox schema is JSON Schema; OpenAPI's types do not know TypeBox's symbols, hence the cast where used.
 */
const IngestAccepted = t.Object({
  accepted: t.Integer({ minimum: 0, description: 'events stored (new ids)' }),
  duplicates: t.Integer({ minimum: 0, description: 'events whose id was already stored: ignored, as a resend should be' }),
  ignored: t.Integer({ minimum: 0, description: 'events stored and logged that their agent could not take (e.g. agent:resumed for a question it is not waiting on)' }),
  ignored_events: t.Optional(
    t.Array(t.Object({ id: t.String(), reason: t.String() }), { maxItems: MAX_IGNORED_LISTED, description: `present when ignored > 0: the first ${MAX_IGNORED_LISTED}, each with why` }),
  ),
})

const MAX_PAGE = 1_000
const NDJSON = 'application/x-ndjson'

const historyQuery = t.Object({
  graph_id: t.Optional(Id()),
  agent_id: t.Optional(Id()),
  /** `agent:failed` */
  kind: t.Optional(t.String({ maxLength: 50 })),
  /** a substring of the event, case-insensitive */
  q: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  // Strings checked here rather than coerced numbers: Elysia's errors for coerced query numbers
  // do not say which parameter failed.
  after: t.Optional(t.String({ pattern: '^\\d{1,15}$', error: 'must be a seq from an earlier page' })),
  limit: t.Optional(t.String({ maxLength: 5 })),
})

function pageSize(raw: string | undefined): number {
  if (raw === undefined) return 100
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PAGE) throw new Invalid('query.limit', `must be 1 to ${MAX_PAGE}`)
  return n
}

interface ApiServices {
  bus: EventBus
  /** the dashboard's read model: what the snapshot answers */
  view: DashboardView
  store: EventStore
  /** told which of a batch's events their agents could not take */
  ignored: IgnoredEvents
}

export function apiRoutes({ bus, view, store, ignored }: ApiServices) {
  return new Elysia()
    // The stored history, oldest first, a page at a time: `next` (or the x-next-after header) is the
    // `after` of the next page. NDJSON, one event a line, for Accept: application/x-ndjson.
    .get(
      routes.ingest,
      ({ query, headers }) => {
        const limit = pageSize(query.limit)
        const page = store.query({ graph_id: query.graph_id, agent_id: query.agent_id, kind: query.kind, text: query.q, after: Number(query.after ?? 0), limit })
        const next = page.length === limit ? page.at(-1)!.seq : null
        const rows = page.map(({ seq, event }) => ({ seq, ...event }))
        if (!headers.accept?.includes(NDJSON)) return { events: rows, next }
        const body = rows.map((row) => `${JSON.stringify(row)}\n`).join('')
        return new Response(body, { headers: { 'content-type': NDJSON, ...(next === null ? {} : { 'x-next-after': String(next) }) } })
      },
      { query: historyQuery },
    )
    .get(routes.snapshot, () => {
      const { blocked, graphs, results, events, progress } = view.current()
      // progress: the header's numbers, as every page counts them (view-model/agent-counts.ts)
      return { agents: view.agents(), blocked, graphs, results, events, progress }
    })
    .post(
      routes.ingest,
      async ({ body, status }) => {
        const events = parseBatch(body)
        // All or none: the bus's gate makes each agent:blocked its question's record, or refuses the batch
        // (400 naming the field, 409 for a msg_id holding another question) before any of it is taken. Stored
        // before acknowledged and before shown: a 202 means a restart will not lose them, a 503 that nobody saw them.
        // Watched from before they are taken: an event stored that its agent cannot take (an agent:resumed for a
        // question it is not waiting on) is counted in the 202, not acknowledged and dropped.
        const watch = ignored.watch(events.map((e) => e.id))
        try {
          const accepted = await bus.ingest(events)
          const body = { accepted, duplicates: events.length - accepted, ignored: watch.ignored }
          return status(202, watch.ignored > 0 ? { ...body, ignored_events: watch.events } : body)
        } finally {
          watch.end()
        }
      },
      {
        // No body schema: validateEvent checks each event and names the field (the JSON parser here is the app's
        // own, so the document would show no body at all); the shapes are given to the document as they are.
        detail: {
          summary: 'Ingest one event or an array (at most 1 MB): stored before the 202',
          requestBody: { required: true, content: { 'application/json': { schema: IngestBodyDoc as never } } },
          responses: {
            202: { description: 'Stored. Nothing is acknowledged and dropped: an event its agent cannot take is counted in `ignored`', content: { 'application/json': { schema: IngestAccepted as never } } },
            400: { description: '`{error, field}`: the first event or field that is not valid, by index in an array' },
            413: { description: 'The body is over 1 MB' },
            503: { description: 'Neither stored nor shown (Retry-After): the store cannot take events now' },
          },
        },
        transform({ headers }) {
          if (Number(headers['content-length'] ?? 0) > MAX_INGEST_BYTES) throw new PayloadTooLarge(`body over ${MAX_INGEST_BYTES} bytes`)
        },
      },
    )
}
