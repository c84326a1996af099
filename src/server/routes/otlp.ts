// POST /v1/traces: OTLP/HTTP trace exports (protobuf or JSON, gzip or not) become events, stored before the 200.
import { Elysia } from 'elysia'
import type { EventBus } from '../../events/bus'
import { encodeResponse, encodeStatus, encodingOf, OtlpRefused } from '../../otlp/otlp-codec'
import { MAX_OTLP_BYTES } from '../../otlp/otlp-limits'
import { readExport } from '../../otlp/otlp-ingest'
import type { SpanAssembler } from '../../otlp/assembler'
import { storageError } from '../../workspace/sqlite'
import { routes } from '../../protocol/routes'
import { cappedBytes } from '../capped-body'
import { PayloadTooLarge } from '../errors'

/**
 * Events an export is taken in at a time. The largest export the limits accept (20,000 spans, about 60,000
 * events) held the event loop about 5 s in one piece, /healthz and every page waiting; a slice of 2,000 holds
 * it for what 2,000 events cost the actors, then waits for its commit (a timer: the loop serves others).
 * A 503 part-way leaves the slices before it stored: the exporter sends the whole export again, and the
 * ids (trace, span, what) make those slices duplicates, so nothing is stored twice or lost.
 */
export const OTLP_SLICE = 2_000

const reply = (status: number, { body, type }: { body: Uint8Array | string; type: string }) =>
  new Response(body as Uint8Array<ArrayBuffer> | string, { status, headers: { 'content-type': type } })

export function otlpRoutes(bus: EventBus, assembler: SpanAssembler) {
  // parse 'none': the body is read raw here; Elysia would otherwise parse (and coerce) the JSON itself.
  return new Elysia().post(
    routes.otlpTraces,
    async ({ request }) => {
      const encoding = encodingOf(request.headers.get('content-type')) ?? 'json'
      try {
        if (Number(request.headers.get('content-length') ?? 0) > MAX_OTLP_BYTES) throw new OtlpRefused(413, `body over ${MAX_OTLP_BYTES} bytes`)
        const body = await cappedBytes(request, MAX_OTLP_BYTES).catch((error: unknown) => {
          throw error instanceof PayloadTooLarge ? new OtlpRefused(413, error.message) : error
        })
        const read = readExport({ contentType: request.headers.get('content-type'), contentEncoding: request.headers.get('content-encoding'), body })
        const mapped = assembler.take(read.spans)
        // Each slice through the bus's gate, stored before acknowledged or shown, as POST /api/events.
        for (let at = 0; at < mapped.events.length; at += OTLP_SLICE) await bus.ingest(mapped.events.slice(at, at + OTLP_SLICE))
        // Then the index, so that a 200 means the next export (and the next start) knows these spans.
        try {
          mapped.settle()
        } catch (error) {
          throw storageError(error)
        }
        return reply(200, encodeResponse(read.encoding, read.rejected + mapped.rejected, read.reason || mapped.reason))
      } catch (error) {
        if (error instanceof OtlpRefused) return reply(error.status, encodeStatus(encoding, error.message))
        throw error
      }
    },
    { parse: 'none' },
  )
}
