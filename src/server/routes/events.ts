// GET /events: one client's Datastar stream, fed by the hub; ends with the client.
import { routes } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { DashboardStream } from '../../live/dashboard-stream'
import { parseInclude } from './include'
import { tabOf } from './tab'

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-store',
  connection: 'keep-alive',
  // nginx and friends would otherwise buffer the stream
  'x-accel-buffering': 'no',
}

export function eventStreamRoutes(stream: DashboardStream) {
  return new Elysia().get(
    routes.events,
    ({ query, request, server }) => {
      const include = parseInclude(query.include)
      // Bun's idle timeout would end a quiet stream between heartbeats.
      server?.timeout(request, 0)
      return new Response(stream.open(include, request.signal, tabOf(query.datastar)), { headers: SSE_HEADERS })
    },
    { query: t.Object({ include: t.Optional(t.String({ maxLength: 100 })), datastar: t.Optional(t.String({ maxLength: 8192 })) }) },
  )
}
