// The OTLP JSON shape (which the protobuf decoder also yields) read into plain spans, each checked on its own.
import { OtlpRefused } from './otlp-codec'
import { MAX_SPANS } from './otlp-limits'

export type Scalar = string | number | boolean

export interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  startMs: number
  endMs: number
  attributes: ReadonlyMap<string, Scalar>
  /** 0 unset, 1 ok, 2 error */
  status: { code: number; message?: string }
  /** the resource's service.name */
  service?: string
  /** the first `exception` span event's type and message: how the SDKs record an error (recordException) */
  exception?: { type?: string; message?: string }
  /** the resource's switchboard.graph_id, when the exporter names the run */
  graph?: string
}

export interface ReadResult {
  spans: OtlpSpan[]
  rejected: number
  /** the first refused span's reason */
  reason: string
}

const MAX_ATTRIBUTES = 256
const TRACE_ID = /^[0-9a-f]{32}$/
const SPAN_ID = /^[0-9a-f]{16}$/
const NANOS = /^\d{1,20}$/

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const list = (v: unknown, what: string): unknown[] => {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw new OtlpRefused(400, `${what} must be an array`)
  return v
}

/** An AnyValue's scalar; arrays, key/value lists and bytes are not read (nothing here needs them). */
function scalar(value: unknown): Scalar | undefined {
  if (!isObject(value)) return undefined
  if (typeof value.stringValue === 'string') return value.stringValue
  if (typeof value.boolValue === 'boolean') return value.boolValue
  if (typeof value.doubleValue === 'number') return Number.isFinite(value.doubleValue) ? value.doubleValue : undefined
  const int = value.intValue
  // 64-bit integers come as strings; past 2^53 they stay strings and no count accepts them.
  if (typeof int === 'number') return Number.isSafeInteger(int) ? int : undefined
  if (typeof int === 'string' && /^-?\d{1,20}$/.test(int)) return Number.isSafeInteger(Number(int)) ? Number(int) : int
  return undefined
}

function attributesOf(raw: unknown): Map<string, Scalar> {
  const out = new Map<string, Scalar>()
  for (const kv of Array.isArray(raw) ? raw.slice(0, MAX_ATTRIBUTES) : []) {
    if (!isObject(kv) || typeof kv.key !== 'string' || kv.key.length > 200) continue
    const value = scalar(kv.value)
    if (value !== undefined) out.set(kv.key, value)
  }
  return out
}

function millis(raw: unknown, field: string): number {
  const text = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw
  if (typeof text !== 'string' || !NANOS.test(text)) throw new SpanRefused(`${field} must be epoch nanoseconds`)
  return Number(BigInt(text) / 1_000_000n)
}

class SpanRefused extends Error {}

/** Span events read at most: an `exception` is normally the only one, and the first of them is what is shown. */
const MAX_SPAN_EVENTS = 64

function exceptionOf(raw: unknown): OtlpSpan['exception'] {
  for (const event of Array.isArray(raw) ? raw.slice(0, MAX_SPAN_EVENTS) : []) {
    if (!isObject(event) || event.name !== 'exception') continue
    const a = attributesOf(event.attributes)
    const text = (key: string) => {
      const v = a.get(key)
      return typeof v === 'string' && v.trim() ? v : undefined
    }
    const type = text('exception.type')
    const message = text('exception.message')
    return type === undefined && message === undefined ? {} : { ...(type ? { type } : {}), ...(message ? { message } : {}) }
  }
  return undefined
}

interface Resource {
  service?: string
  graph?: string
}

function readSpan(raw: unknown, { service, graph }: Resource): OtlpSpan {
  if (!isObject(raw)) throw new SpanRefused('a span must be an object')
  const traceId = typeof raw.traceId === 'string' ? raw.traceId.toLowerCase() : ''
  const spanId = typeof raw.spanId === 'string' ? raw.spanId.toLowerCase() : ''
  if (!TRACE_ID.test(traceId) || /^0+$/.test(traceId)) throw new SpanRefused('traceId must be 16 bytes, not all zero')
  if (!SPAN_ID.test(spanId) || /^0+$/.test(spanId)) throw new SpanRefused('spanId must be 8 bytes, not all zero')
  const parent = typeof raw.parentSpanId === 'string' && raw.parentSpanId !== '' ? raw.parentSpanId.toLowerCase() : undefined
  if (parent !== undefined && !SPAN_ID.test(parent)) throw new SpanRefused('parentSpanId must be 8 bytes or empty')
  const startMs = millis(raw.startTimeUnixNano, 'startTimeUnixNano')
  const endMs = raw.endTimeUnixNano === undefined || raw.endTimeUnixNano === '0' ? startMs : millis(raw.endTimeUnixNano, 'endTimeUnixNano')
  const status = isObject(raw.status) ? raw.status : {}
  const exception = exceptionOf(raw.events)
  const code = typeof status.code === 'number' ? status.code : 0
  return {
    traceId,
    spanId,
    parentSpanId: parent === undefined || /^0+$/.test(parent) ? undefined : parent,
    name: typeof raw.name === 'string' ? raw.name.slice(0, 200) : '',
    startMs,
    endMs: Math.max(endMs, startMs),
    attributes: attributesOf(raw.attributes),
    status: { code, message: typeof status.message === 'string' && status.message ? status.message : undefined },
    ...(service === undefined ? {} : { service }),
    ...(graph === undefined ? {} : { graph }),
    ...(exception === undefined ? {} : { exception }),
  }
}

/** Every span of an ExportTraceServiceRequest; a request of the wrong shape is refused whole (400). */
export function readSpans(body: unknown): ReadResult {
  if (!isObject(body)) throw new OtlpRefused(400, 'the body must be an ExportTraceServiceRequest object')
  const result: ReadResult = { spans: [], rejected: 0, reason: '' }
  let seen = 0
  for (const rs of list(body.resourceSpans, 'resourceSpans')) {
    if (!isObject(rs)) throw new OtlpRefused(400, 'resourceSpans[] must be objects')
    const resource = isObject(rs.resource) ? attributesOf(rs.resource.attributes) : new Map<string, Scalar>()
    const text = (key: string) => {
      const v = resource.get(key)
      return typeof v === 'string' && v.trim() ? v.slice(0, 200) : undefined
    }
    const named: Resource = { service: text('service.name'), graph: text('switchboard.graph_id') }
    for (const ss of list(rs.scopeSpans, 'scopeSpans')) {
      if (!isObject(ss)) throw new OtlpRefused(400, 'scopeSpans[] must be objects')
      for (const raw of list(ss.spans, 'spans')) {
        if (++seen > MAX_SPANS) throw new OtlpRefused(413, `a request may hold at most ${MAX_SPANS} spans`)
        try {
          result.spans.push(readSpan(raw, named))
        } catch (error) {
          if (!(error instanceof SpanRefused)) throw error
          result.rejected++
          result.reason ||= error.message
        }
      }
    }
  }
  return result
}
