// POST /v1/traces bounds what one small body may cost: elements are counted on the wire (protobuf) or the text
// (JSON) and a body past the limits is refused before the decoder builds anything. Issue 22: 15 KB of gzip holding
// 8.4 million empty resourceSpans was answered 200 with the RSS grown by 2.4 GB; 8.4 million empty spans were
// refused 413 only after all of them were decoded.
import { afterAll, afterEach, beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { gzipSync } from 'node:zlib'
import { ROOT_CONTEXT } from '@opentelemetry/api'
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { decodeProtobuf, ExportTraceServiceRequest, OtlpRefused } from '../src/otlp/otlp-codec'
import { MAX_OTLP_ELEMENTS, MAX_OTLP_JSON_VALUES, MAX_SPANS } from '../src/otlp/otlp-limits'
import { startTestServer, type TestServer } from './support/server'
import { req } from './support/http'

const TOKEN = 'otlp-limits-token'
const auth = { authorization: `Bearer ${TOKEN}` }
let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ token: TOKEN })
})
afterAll(() => s.stop())

// protobufjs replaces a type's decode on its first use: decode once so that the spy wraps the real one.
ExportTraceServiceRequest.decode(new Uint8Array())
const decode = spyOn(ExportTraceServiceRequest, 'decode')
const parse = spyOn(JSON, 'parse')
afterEach(() => {
  decode.mockClear()
  parse.mockClear()
})
/** JSON.parse calls on a text the size of a hostile body (the server's own small parses do not count) */
const bigParses = () => parse.mock.calls.filter(([text]) => typeof text === 'string' && text.length > 100_000).length

const varint = (n: number) => {
  const out: number[] = []
  for (; n > 127; n = Math.floor(n / 128)) out.push((n & 127) | 128)
  return [...out, n]
}
/** one length-delimited field: tag (field number, wire type 2), length, the bytes */
function field(number: number, inner: Uint8Array): Uint8Array {
  const head = [number * 8 + 2, ...varint(inner.length)]
  const out = new Uint8Array(head.length + inner.length)
  out.set(head)
  out.set(inner, head.length)
  return out
}
/** `count` empty messages in field `number`: two bytes each on the wire */
const empties = (number: number, count: number) => new Uint8Array(count * 2).map((_, i) => (i % 2 ? 0 : number * 8 + 2))

const EIGHT_MILLION = 8_000_000
const RESOURCE_SPANS = 1
const SCOPE_SPANS = 2
const SPANS = 2
const ATTRIBUTES = 9

async function postTraces(body: Uint8Array, type = 'application/x-protobuf'): Promise<[number, string]> {
  const res = await fetch(req(`${s.url}/v1/traces`, { method: 'POST', headers: { ...auth, 'content-type': type, 'content-encoding': 'gzip' }, body: gzipSync(body, { level: 9 }) as Uint8Array<ArrayBuffer> }))
  return [res.status, new TextDecoder().decode(await res.arrayBuffer())]
}

describe('POST /v1/traces, a small body that would decode to millions of elements', () => {
  it('8 million empty resourceSpans (16 MB inflated, some 16 KB of gzip) are refused 413 before decoding', async () => {
    const body = empties(RESOURCE_SPANS, EIGHT_MILLION)
    expect(gzipSync(body, { level: 9 }).length).toBeLessThan(20_000)
    const [status, reason] = await postTraces(body)
    expect([status, reason]).toEqual([413, expect.stringContaining(`a request may hold at most ${MAX_SPANS} resourceSpans`)])
    expect(decode).not.toHaveBeenCalled()
  })

  it('8 million empty spans in one scopeSpans are refused 413 before decoding', async () => {
    const body = field(RESOURCE_SPANS, field(SCOPE_SPANS, empties(SPANS, EIGHT_MILLION)))
    const [status, reason] = await postTraces(body)
    expect([status, reason]).toEqual([413, expect.stringContaining(`a request may hold at most ${MAX_SPANS} spans`)])
    expect(decode).not.toHaveBeenCalled()
  })

  it('so is one span with more attributes than the request may hold elements', async () => {
    const span = field(SPANS, empties(ATTRIBUTES, MAX_OTLP_ELEMENTS))
    const [status, reason] = await postTraces(field(RESOURCE_SPANS, field(SCOPE_SPANS, span)))
    expect([status, reason]).toEqual([413, expect.stringContaining(`at most ${MAX_OTLP_ELEMENTS} messages and repeated values`)])
    expect(decode).not.toHaveBeenCalled()
  })

  it('the same in OTLP JSON is refused 413 before JSON.parse', async () => {
    const body = new TextEncoder().encode(`{"resourceSpans": [${'{},'.repeat(4_000_000)}{}]}`)
    const [status, reason] = await postTraces(body, 'application/json')
    expect(status).toBe(413)
    expect(JSON.parse(reason).error).toContain(`holds more than the limit of ${MAX_OTLP_JSON_VALUES} values`)
    expect(bigParses()).toBe(0)
  })

  it('four such bodies at once are each refused, and the server goes on answering', async () => {
    const bodies = [empties(RESOURCE_SPANS, EIGHT_MILLION), field(RESOURCE_SPANS, field(SCOPE_SPANS, empties(SPANS, EIGHT_MILLION)))]
    const statuses = await Promise.all([0, 1, 2, 3].map((i) => postTraces(bodies[i % 2]!).then(([status]) => status)))
    expect(statuses).toEqual([413, 413, 413, 413])
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
    expect(decode).not.toHaveBeenCalled()
  })

  it('a field that runs past its message is refused 400 by the count, as protobufjs would', async () => {
    const [status, reason] = await postTraces(new Uint8Array([0x0a, 0x05, 0x12, 0x00]))
    expect([status, reason]).toEqual([400, expect.stringContaining('not an ExportTraceServiceRequest')])
    expect(decode).not.toHaveBeenCalled()
  })
})

describe('the wire count', () => {
  const refusal = (bytes: Uint8Array) => {
    try {
      decodeProtobuf(bytes)
      return undefined
    } catch (error) {
      return error instanceof OtlpRefused ? [error.status, error.message] : error
    }
  }
  it('takes a body at the limits and refuses one element more', () => {
    expect(refusal(empties(RESOURCE_SPANS, MAX_SPANS))).toBeUndefined()
    expect(refusal(empties(RESOURCE_SPANS, MAX_SPANS + 1))).toEqual([413, `a request may hold at most ${MAX_SPANS} resourceSpans`])
    const attributes = (n: number) => field(RESOURCE_SPANS, field(SCOPE_SPANS, field(SPANS, empties(ATTRIBUTES, n))))
    // three containers and the span itself are elements too
    expect(refusal(attributes(MAX_OTLP_ELEMENTS - 3))).toBeUndefined()
    expect(refusal(attributes(MAX_OTLP_ELEMENTS - 2))).toEqual([413, expect.stringContaining(`at most ${MAX_OTLP_ELEMENTS} messages`)])
  })
  it('refuses framing protobufjs would refuse, and groups, with 400', () => {
    for (const bytes of [[0x0a, 0x05, 0x12, 0x00], [0x08, ...new Array(10).fill(0x80), 0x01], [0x0b, 0x0c], [0x0f], [0x00, 0x00]])
      expect(refusal(new Uint8Array(bytes))).toEqual([400, expect.stringContaining('the body is not an ExportTraceServiceRequest')])
  })
  it('skips unknown fields and scalars without counting them', () => {
    const unknown = new Uint8Array(MAX_OTLP_ELEMENTS * 2 + 2).map((_, i) => (i % 2 ? 0 : 15 * 8 + 2))
    expect(refusal(unknown)).toBeUndefined()
  })
})

describe('POST /v1/traces, normal traffic from the OpenTelemetry SDK', () => {
  /** the SDK's default batch: 512 spans, each with the 20 attributes a GenAI span carries */
  async function batch(): Promise<ReadableSpan[]> {
    const memory = new InMemorySpanExporter()
    const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': 'limits-test' }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] })
    const tracer = provider.getTracer('limits-test')
    for (let i = 0; i < 512; i++) {
      const attributes = Object.fromEntries(Array.from({ length: 19 }, (_, k) => [`attr.${k}`, `value ${i}.${k}`]))
      tracer.startSpan(`execute_tool t${i}`, { attributes: { 'gen_ai.operation.name': 'execute_tool', ...attributes } }, ROOT_CONTEXT).end()
    }
    await provider.forceFlush()
    return memory.getFinishedSpans()
  }
  const send = (exporter: ProtoExporter | JsonExporter, spans: ReadableSpan[]) => new Promise<{ code: number }>((resolve) => exporter.export(spans, resolve))

  it('a 512-span batch is taken, protobuf and JSON, gzip or not', async () => {
    const spans = await batch()
    const url = `${s.url}/v1/traces`
    expect(await send(new ProtoExporter({ url, headers: auth, compression: 'gzip' as never }), spans)).toEqual({ code: 0 })
    expect(decode).toHaveBeenCalledTimes(1)
    expect(await send(new ProtoExporter({ url, headers: auth }), spans)).toEqual({ code: 0 })
    expect(await send(new JsonExporter({ url, headers: auth, compression: 'gzip' as never }), spans)).toEqual({ code: 0 })
    const stored = s.store.query({ kind: 'tool:called', after: 0, limit: 1000 }).filter((r) => r.event.agent_id?.startsWith('otel:'))
    expect(stored.length).toBe(512)
  })
})
