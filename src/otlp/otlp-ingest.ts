// One OTLP/HTTP trace export: bytes → checked spans, with the count and reason of the spans refused.
import { decodeJson, decodeProtobuf, encodingOf, inflate, OtlpRefused, type OtlpEncoding } from './otlp-codec'
import { MAX_OTLP_BYTES } from './otlp-limits'
import { readSpans, type ReadResult } from './otlp-spans'

export interface ExportRequest {
  contentType: string | null
  contentEncoding: string | null
  body: Uint8Array
}

/** Throws OtlpRefused (400, 413, 415) for a request that cannot be read at all. */
export function readExport({ contentType, contentEncoding, body }: ExportRequest): ReadResult & { encoding: OtlpEncoding } {
  const encoding = encodingOf(contentType)
  if (!encoding) throw new OtlpRefused(415, 'content-type must be application/x-protobuf or application/json')
  if (body.byteLength > MAX_OTLP_BYTES) throw new OtlpRefused(413, `body over ${MAX_OTLP_BYTES} bytes`)
  const bytes = inflate(body, contentEncoding)
  return { encoding, ...readSpans(encoding === 'json' ? decodeJson(bytes) : decodeProtobuf(bytes)) }
}
