// What one OTLP/HTTP export may cost: bytes on the wire, bytes inflated, and what decoding them may build.
// The figures these give (RSS per request) are measured by bench/otlp-memory.ts and stated in the README.

/** the compressed (or plain) body at most; Bun's own cap (maxRequestBodySize) is larger */
export const MAX_OTLP_BYTES = 2 << 20
/** a gzip body inflated past this is refused, while inflating (a small bomb must not fill the memory) */
export const MAX_OTLP_INFLATED = 16 << 20
/** spans in one request at most (an exporter batches 512 by default); resourceSpans and scopeSpans likewise */
export const MAX_SPANS = 20_000
/**
 * Messages and repeated values (attributes, events, links, AnyValues …) the protobuf decoder may build for one
 * request, counted on the wire before it decodes: an empty message is 2 bytes there and some 300 in memory.
 * 512 spans of 128 attributes, or 8,192 of 11, fit.
 */
export const MAX_OTLP_ELEMENTS = 200_000
/** the same bound for OTLP JSON, in values (objects, arrays, members and items): JSON spells each element in 2 to 3 */
export const MAX_OTLP_JSON_VALUES = 3 * MAX_OTLP_ELEMENTS
