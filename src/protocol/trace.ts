// W3C Trace Context and what a trace is here: a run (graph_id = the trace id), whose own agent is `otel:<trace id>`.
// The OTLP mapping and the question API both say it so, so that a card asked from inside a traced run belongs to the
// agent its spans make (one agent, not two).

/** The agent a trace's work goes to first: its first agent span's, or its root span's when it has none. */
export const traceAgentId = (traceId: string): string => `otel:${traceId}`

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/

/** A traceparent header's trace and span ids, or why it is not one (version ff, ids all zero, the wrong shape). */
export function parseTraceparent(value: unknown): { traceId: string; spanId: string } | { reason: string } {
  const bad = { reason: 'must be a W3C traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>' }
  if (typeof value !== 'string' || value.length > 512) return bad
  const m = TRACEPARENT.exec(value.trim().toLowerCase())
  if (!m) return bad
  const [, version, traceId, spanId] = m as unknown as [string, string, string, string]
  // Version 00 has nothing after the flags; a later version may (and is read as 00), ff is never valid.
  if (version === 'ff' || (version === '00' && m[5] !== undefined)) return bad
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return { reason: 'must not have an all-zero trace or span id' }
  return { traceId, spanId }
}
