// Prometheus instruments for the whole process (prom-client): every layer counts here, GET /metrics reads them.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

/** One registry per process, like the process itself: servers started side by side in tests add up. */
export const registry = new Registry()

/**
 * Why a request was refused (the label of POST /api/events refusals, the key of refusal log lines): a fixed set, so the label's values stay bounded whatever
 * clients send (never the error text, never an id).
 */
export const REFUSALS = ['invalid', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'gone', 'too_large', 'unsupported_media_type', 'misdirected', 'timeout', 'too_many', 'unavailable', 'other'] as const
export type Refusal = (typeof REFUSALS)[number]

export const STREAMS = ['dashboard', 'inspect', 'question', 'run-graph', 'agent'] as const
export type StreamKind = (typeof STREAMS)[number]

export const OUTCOMES = ['answered', 'timeout', 'cancelled'] as const

const registers = [registry]

/** What the OTLP trace index holds now: the last server started tells (servers side by side in tests share the gauges). */
let otlpIndex: () => { traces: number; spans: number; held: number } = () => ({ traces: 0, spans: 0, held: 0 })
export const watchOtlpIndex = (read: typeof otlpIndex): void => {
  otlpIndex = read
}

export const metrics = {
  otlpTraces: new Gauge({ name: 'switchboard_otlp_traces_indexed', help: 'Traces the OTLP index holds (assembling spans across exports)', registers, collect() { this.set(otlpIndex().traces) } }),
  otlpSpans: new Gauge({ name: 'switchboard_otlp_spans_indexed', help: 'Spans the OTLP index holds, across its traces (bounded)', registers, collect() { this.set(otlpIndex().spans) } }),
  otlpHeld: new Gauge({ name: 'switchboard_otlp_spans_held', help: 'Tool and model spans waiting for their agent span to arrive', registers, collect() { this.set(otlpIndex().held) } }),
  eventsIngested: new Counter({ name: 'switchboard_events_ingested_total', help: 'Events accepted onto the bus, from every source (ingest, SDK, questions, demo)', registers }),
  eventsDuplicate: new Counter({ name: 'switchboard_events_duplicate_total', help: 'Events ignored because their id was already seen', registers }),
  eventsRefused: new Counter({ name: 'switchboard_events_refused_total', help: 'POST /api/events requests refused, by reason', labelNames: ['reason'] as const, registers }),
  questionsAsked: new Counter({ name: 'switchboard_questions_asked_total', help: 'Question records created (API, agent:blocked events, other processes)', registers }),
  questionsSettled: new Counter({ name: 'switchboard_questions_settled_total', help: 'Questions that left pending, by outcome', labelNames: ['outcome'] as const, registers }),
  answerLatency: new Histogram({
    name: 'switchboard_question_answer_seconds',
    help: 'Time from a question being asked to its answer',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600],
    registers,
  }),
  questionWaiters: new Gauge({ name: 'switchboard_question_waiters', help: 'Requests waiting on a question: long-polls, ask_human calls, stream watchers', registers }),
  sseClients: new Gauge({ name: 'switchboard_sse_clients', help: 'Open SSE streams, by stream', labelNames: ['stream'] as const, registers }),
  sseDropped: new Counter({ name: 'switchboard_sse_clients_dropped_total', help: 'SSE clients dropped for reading too slowly (their queue passed its bound)', registers }),
  sseFlushes: new Counter({ name: 'switchboard_sse_flushes_total', help: 'Flushes (render, diff, broadcast) of a live stream', labelNames: ['stream'] as const, registers }),
  sseFrameBytes: new Counter({
    name: 'switchboard_sse_frame_bytes_total',
    help: 'Bytes of the frames a stream broadcast or sent to one tab, counted once per frame (its clients share the bytes)',
    labelNames: ['stream'] as const,
    registers,
  }),
  storeWrite: new Histogram({
    name: 'switchboard_store_write_seconds',
    help: 'Duration of one write transaction: an event-store group commit, or a workspace transaction',
    labelNames: ['store'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  }),
}

// Every known label value from the start: a series that exists at zero can be rated and alerted on.
for (const reason of REFUSALS) metrics.eventsRefused.labels(reason).inc(0)
for (const store of ['events', 'workspace']) metrics.storeWrite.zero({ store })
for (const outcome of OUTCOMES) metrics.questionsSettled.labels(outcome).inc(0)
for (const stream of STREAMS) {
  metrics.sseClients.labels(stream).set(0)
  metrics.sseFlushes.labels(stream).inc(0)
  metrics.sseFrameBytes.labels(stream).inc(0)
}

/** How long `write` takes, observed under `store`; the result passes through. */
export function timeWrite<T>(store: 'events' | 'workspace', write: () => T): T {
  const end = metrics.storeWrite.labels(store).startTimer()
  try {
    return write()
  } finally {
    end()
  }
}

let processMetrics = false
/**
 * CPU, memory and event-loop lag (`nodejs_eventloop_lag_*`, from perf_hooks.monitorEventLoopDelay,
 * which Bun implements): started once, by the first /metrics route, not by merely importing this module.
 */
export function collectProcessMetrics(): void {
  if (processMetrics) return
  processMetrics = true
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 })
}
