// The wire count against protobufjs itself: every body protobufjs encodes is taken by the count (it is never
// stricter than the decoder on what an exporter sends), and mangled bytes are refused with a 400 or 413, never a throw.
import { describe, expect, it } from 'bun:test'
import fc from 'fast-check'
import { decodeProtobuf, ExportTraceServiceRequest, OtlpRefused } from '../src/otlp/otlp-codec'

const SEED = 20261203
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
const anyValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ stringValue: fc.string({ maxLength: 20 }) }),
    fc.record({ boolValue: fc.boolean() }),
    fc.record({ intValue: fc.integer() }),
    fc.record({ doubleValue: fc.double() }),
    fc.record({ bytesValue: fc.uint8Array({ maxLength: 8 }) }),
    fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 3 }) }) }),
    fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.string({ maxLength: 8 }), value: tie('value') }), { maxLength: 3 }) }) }),
  ),
})).value
const attributes = fc.array(fc.record({ key: fc.string({ maxLength: 12 }), value: anyValue }), { maxLength: 5 })
const span = fc.record(
  {
    traceId: bytes(16),
    spanId: bytes(8),
    parentSpanId: bytes(8),
    name: fc.string({ maxLength: 20 }),
    kind: fc.integer({ min: 0, max: 5 }),
    startTimeUnixNano: fc.nat(),
    endTimeUnixNano: fc.nat(),
    attributes,
    events: fc.array(fc.record({ timeUnixNano: fc.nat(), name: fc.string({ maxLength: 8 }), attributes }), { maxLength: 3 }),
    links: fc.array(fc.record({ traceId: bytes(16), spanId: bytes(8), attributes, flags: fc.nat() }), { maxLength: 2 }),
    status: fc.record({ code: fc.integer({ min: 0, max: 2 }), message: fc.string({ maxLength: 10 }) }),
    flags: fc.nat(),
  },
  { requiredKeys: ['traceId', 'spanId'] },
)
const exportRequest = fc.record({
  resourceSpans: fc.array(
    fc.record({
      resource: fc.record({ attributes, droppedAttributesCount: fc.nat() }),
      scopeSpans: fc.array(fc.record({ scope: fc.record({ name: fc.string({ maxLength: 8 }), version: fc.string({ maxLength: 4 }), attributes }), spans: fc.array(span, { maxLength: 4 }), schemaUrl: fc.string({ maxLength: 8 }) }), { maxLength: 3 }),
      schemaUrl: fc.string({ maxLength: 8 }),
    }),
    { maxLength: 3 },
  ),
})
const encode = (request: unknown) => ExportTraceServiceRequest.encode(ExportTraceServiceRequest.fromObject(request as Record<string, unknown>)).finish()

describe('the wire count against protobufjs', () => {
  it('takes every request protobufjs encodes', () => {
    fc.assert(
      fc.property(exportRequest, (request) => {
        expect(() => decodeProtobuf(encode(request))).not.toThrow()
      }),
      { numRuns: 400, seed: SEED },
    )
  })

  it('refuses mangled bytes with 400 or 413, and nothing else escapes', () => {
    fc.assert(
      fc.property(exportRequest, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 6 }), fc.nat(), (request, flips, cut) => {
        const body = encode(request).slice()
        for (const [at, value] of flips) if (body.length) body[at % body.length] = value
        try {
          decodeProtobuf(body.subarray(0, body.length ? cut % (body.length + 1) : 0))
        } catch (error) {
          expect(error).toBeInstanceOf(OtlpRefused)
          expect([400, 413]).toContain((error as OtlpRefused).status)
        }
      }),
      { numRuns: 1500, seed: SEED },
    )
  })
})
