// POST /v1/traces: OTLP/HTTP trace exports (protobuf or JSON, gzip or not) become events, stored before the 200.
import { Elysia } from 'elysia'
import type { EventBus } from '../../events/bus'
import { encodeResponse, encodeStatus, encodingOf, OtlpRefused } from '../../otlp/otlp-codec'
import { MAX_OTLP_BYTES } from '../../otlp/otlp-limits'
import { readExport } from '../../otlp/otlp-ingest'
import { routes } from '../../protocol/routes'

const reply = (status: number, { body, type }: { body: Uint8Array | string; type: string }) =>
  new Response(body as Uint8Array<ArrayBuffer> | string, { status, headers: { 'content-type': type } })

export function otlpRoutes(bus: EventBus) {
  // parse 'none': the body is read raw here; Elysia would otherwise parse (and coerce) the JSON itself.
  return new Elysia().post(
    routes.otlpTraces,
    async ({ request }) => {
      const encoding = encodingOf(request.headers.get('content-type')) ?? 'json'
      try {
        if (Number(request.headers.get('content-length') ?? 0) > MAX_OTLP_BYTES) throw new OtlpRefused(413, `body over ${MAX_OTLP_BYTES} bytes`)
        const body = new Uint8Array(await request.arrayBuffer())
        const read = readExport({ contentType: request.headers.get('content-type'), contentEncoding: request.headers.get('content-encoding'), body })
        // One batch through the bus's gate, all of it or none, stored before acknowledged or shown, as POST /api/events.
        await bus.ingest(read.events)
        return reply(200, encodeResponse(read.encoding, read.rejected, read.reason))
      } catch (error) {
        if (error instanceof OtlpRefused) return reply(error.status, encodeStatus(encoding, error.message))
        throw error
      }
    },
    { parse: 'none' },
  )
}
