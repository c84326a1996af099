// OTLP/HTTP trace bodies in and out: protobuf through protobufjs and the official .proto files in proto/ (open-telemetry/opentelemetry-proto v1.11.0, Apache-2.0), JSON by hand.
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import protobuf from 'protobufjs'
import { checkJson } from '../protocol/json-depth'
import { MAX_BODY_DEPTH } from '../protocol/limits'
import { MAX_OTLP_ELEMENTS, MAX_OTLP_INFLATED, MAX_OTLP_JSON_VALUES, MAX_SPANS } from './otlp-limits'
import { census, type CensusLimits } from './wire-census'

export type OtlpEncoding = 'protobuf' | 'json'

/** A body this server cannot use: 400 (bad), 413 (too large) or 415 (a type or encoding it does not speak). */
export class OtlpRefused extends Error {
  constructor(readonly status: 400 | 413 | 415, message: string) {
    super(message)
    this.name = 'OtlpRefused'
  }
}

const PROTO_DIR = fileURLToPath(new URL('./proto', import.meta.url))
const root = new protobuf.Root()
root.resolvePath = (_origin, target) => join(PROTO_DIR, target)
root.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto')
root.resolveAll()
const Request = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest')
/** the decoder's entry point (tests watch it: a refused body must never reach it) */
export const ExportTraceServiceRequest = Request
const field = (type: string, name: string) => root.lookupType(`opentelemetry.proto.trace.v1.${type}`).fields[name]!
const CENSUS: CensusLimits = {
  total: MAX_OTLP_ELEMENTS,
  depth: MAX_BODY_DEPTH,
  perField: new Map([
    [Request.fields.resourceSpans!, MAX_SPANS],
    [field('ResourceSpans', 'scopeSpans'), MAX_SPANS],
    [field('ScopeSpans', 'spans'), MAX_SPANS],
  ]),
}
const Response = root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse')
// google.rpc.Status, the body OTLP/HTTP gives a refused request: only its two scalar fields are used.
const Status = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'))
new protobuf.Root().define('google.rpc').add(Status)
/** google.rpc.Code INVALID_ARGUMENT */
const INVALID_ARGUMENT = 3

/** Which encoding a Content-Type names; undefined for one OTLP/HTTP does not define. */
export function encodingOf(contentType: string | null): OtlpEncoding | undefined {
  const type = contentType?.split(';')[0]!.trim().toLowerCase()
  return type === 'application/x-protobuf' ? 'protobuf' : type === 'application/json' ? 'json' : undefined
}

/** The body's bytes, inflated when Content-Encoding says gzip. */
export function inflate(body: Uint8Array, contentEncoding: string | null): Uint8Array {
  const coding = contentEncoding?.trim().toLowerCase() || 'identity'
  if (coding === 'identity') return body
  if (coding !== 'gzip') throw new OtlpRefused(415, `Content-Encoding ${coding.slice(0, 40)} is not supported (gzip or none)`)
  try {
    return gunzipSync(body, { maxOutputLength: MAX_OTLP_INFLATED })
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError)
      throw new OtlpRefused(413, `the body inflates to more than ${MAX_OTLP_INFLATED} bytes`)
    throw new OtlpRefused(400, 'the body is not valid gzip')
  }
}

const base64ToHex = (value: unknown) => (typeof value === 'string' ? Buffer.from(value, 'base64').toString('hex') : value)

/**
 * A protobuf ExportTraceServiceRequest as the OTLP JSON shape (ids in hex, 64-bit integers as strings,
 * enums as numbers), so that one reader serves both encodings.
 */
export function decodeProtobuf(bytes: Uint8Array): unknown {
  // Counted on the wire first: what protobufjs builds is some 150 times what an empty message costs there.
  const refused = census(bytes, Request, CENSUS)
  if (refused) throw new OtlpRefused(refused.status, refused.reason)
  let object: Record<string, unknown>
  try {
    object = Request.toObject(Request.decode(bytes), { longs: String, enums: Number, bytes: String, arrays: true })
  } catch (error) {
    // A truncated message, a wrong wire type, or nesting deep enough to exhaust the stack.
    throw new OtlpRefused(400, `the body is not an ExportTraceServiceRequest: ${error instanceof Error ? error.message.slice(0, 200) : 'undecodable'}`)
  }
  for (const rs of (object.resourceSpans as Array<{ scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }>) ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) {
        span.traceId = base64ToHex(span.traceId)
        span.spanId = base64ToHex(span.spanId)
        if (span.parentSpanId !== undefined) span.parentSpanId = base64ToHex(span.parentSpanId)
      }
  return object
}

export function decodeJson(bytes: Uint8Array): unknown {
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new OtlpRefused(400, 'the body is not valid UTF-8 JSON')
  }
  // Counted and depth-checked on the text before JSON.parse builds anything.
  const bound = checkJson(text, { maxDepth: MAX_BODY_DEPTH, maxValues: MAX_OTLP_JSON_VALUES })
  if (bound) throw new OtlpRefused(bound.kind === 'depth' ? 400 : 413, `the body ${bound.reason}`)
  try {
    return JSON.parse(text)
  } catch {
    throw new OtlpRefused(400, 'the body is not valid UTF-8 JSON')
  }
}

/** ExportTraceServiceResponse, `partialSuccess` only when some spans were refused. */
export function encodeResponse(encoding: OtlpEncoding, rejected: number, reason: string): { body: Uint8Array | string; type: string } {
  const partial = rejected > 0 ? { partialSuccess: { rejectedSpans: String(rejected), errorMessage: reason } } : {}
  if (encoding === 'json') return { body: JSON.stringify(partial), type: 'application/json' }
  return { body: Response.encode(Response.fromObject(partial)).finish(), type: 'application/x-protobuf' }
}

/** A refused request's body: google.rpc.Status in the request's encoding, `error` beside it in JSON as our other routes say it. */
export function encodeStatus(encoding: OtlpEncoding, message: string): { body: Uint8Array | string; type: string } {
  if (encoding === 'json') return { body: JSON.stringify({ code: INVALID_ARGUMENT, message, error: message }), type: 'application/json' }
  return { body: Status.encode(Status.fromObject({ code: INVALID_ARGUMENT, message })).finish(), type: 'application/x-protobuf' }
}
