// OTLP ingest: spans/s of protobuf trace exports (POST /v1/traces, 512 spans each, as the SDK's BatchSpanProcessor sends them)
// into a real Switchboard over HTTP, beside the same work as JSON events (POST /api/events), in the same run; fails (exit 1)
// if the server refuses anything or stores less than was sent.
//   node_modules/.bin/bun bench/otlp.ts [--spans=100000] [--clients=1,4] [--batch=512] [--active=128] [--gzip] [--paths=json,otlp]
import { cpus, loadavg } from 'node:os'
import { gzipSync } from 'node:zlib'
import { ExportTraceServiceRequest } from '../src/otlp/otlp-codec'
import { flag, intFlag, listFlag } from './args'
import { settle, startServer, type ServerChild } from './otlp-server'
import { percentile } from './stats'
import { eventsOf, exportsOf, protobufBody, spread, workload, type SpanKind, type WorkSpan } from './otlp-workload'

const SPANS = intFlag('spans', 100_000)
const CLIENTS = listFlag('clients', [1, 4])
const BATCH = intFlag('batch', 512)
const ACTIVE = intFlag('active', 128)
const GZIP = flag('gzip') !== undefined
const PATHS = (flag('paths') ?? 'json,otlp').split(',').map((p) => {
  if (p !== 'json' && p !== 'otlp') throw new Error(`--paths takes json and otlp, got ${p}`)
  return p as Path
})
const WARMUP_EXPORTS = 4
const INGESTED = 'switchboard_events_ingested_total'
const ExportTraceServiceResponse = ExportTraceServiceRequest.root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse')

type Path = 'otlp' | 'json'
type Kinds = Record<SpanKind, number>
interface Body {
  bytes: Uint8Array | string
  spans: number
  kinds: Kinds
  /**
   * the events it stands for: JSON, those it carries; OTLP, two per span (README, OpenTelemetry: an agent span is its
   * agent's start and end, a tool or model span its call and its answer). Both add up to two per span over the workload.
   */
  events: number
}

/** Encoded before anything is timed: the exporters' work is not the server's. */
function encode(path: Path, exports: readonly WorkSpan[][]): Body[] {
  const bodies = exports.map((batch): Body => {
    const kinds: Kinds = { agent: 0, chat: 0, tool: 0 }
    for (const span of batch) kinds[span.kind]++
    if (path === 'json') {
      const events = eventsOf(batch)
      return { bytes: JSON.stringify(events), spans: batch.length, kinds, events: events.length }
    }
    const raw = protobufBody(batch)
    return { bytes: GZIP ? gzipSync(raw) : raw, spans: batch.length, kinds, events: 2 * batch.length }
  })
  const [spans, events] = bodies.reduce(([s, e], b) => [s + b.spans, e + b.events], [0, 0])
  if (events !== 2 * spans) throw new Error(`the workload made ${events} events of ${spans} spans`)
  return bodies
}

/** One request, and what its answer says was taken: anything but all of it is a failure. */
async function send(url: string, path: Path, body: Body): Promise<void> {
  if (path === 'otlp') {
    const headers: Record<string, string> = { 'content-type': 'application/x-protobuf', ...(GZIP ? { 'content-encoding': 'gzip' } : {}) }
    const res = await fetch(`${url}/v1/traces`, { method: 'POST', headers, body: body.bytes as Uint8Array<ArrayBuffer> })
    const bytes = new Uint8Array(await res.arrayBuffer())
    if (res.status !== 200) throw new Error(`POST /v1/traces answered ${res.status}: ${new TextDecoder().decode(bytes).slice(0, 300)}`)
    // An empty ExportTraceServiceResponse is zero bytes: everything taken.
    if (bytes.length === 0) return
    const answer = ExportTraceServiceResponse.toObject(ExportTraceServiceResponse.decode(bytes), { longs: Number }) as { partialSuccess?: { rejectedSpans?: number; errorMessage?: string } }
    const rejected = answer.partialSuccess?.rejectedSpans ?? 0
    if (rejected > 0) throw new Error(`POST /v1/traces rejected ${rejected} of ${body.spans} spans: ${answer.partialSuccess?.errorMessage}`)
    return
  }
  const res = await fetch(`${url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body.bytes as string })
  const text = await res.text()
  if (res.status !== 202) throw new Error(`POST /api/events answered ${res.status}: ${text.slice(0, 300)}`)
  const answer = JSON.parse(text) as { accepted: number; duplicates: number; ignored?: number }
  if (answer.accepted !== body.events || answer.ignored) throw new Error(`POST /api/events took ${text.slice(0, 300)} of ${body.events} events`)
}

/** What each span kind must have become in the store (README, OpenTelemetry: the table of spans and their events). */
const BECOMES: Record<SpanKind, string[]> = { agent: ['agent:started', 'agent:completed'], chat: ['model:request', 'model:response'], tool: ['tool:called', 'tool:completed'] }

/**
 * The spans the store accounts for: a span counts when every event its kind becomes is there. JSON must match
 * exactly; over OTLP an agent may be started more than once (the trace's own agent, started live by work that came
 * before its agent span) and events of other kinds are shown, not held against it; a failure event never is right.
 */
function account(sent: Kinds, stored: ReadonlyMap<string, number>, exact: boolean): { spans: number; problems: string[] } {
  const problems: string[] = []
  let spans = 0
  const known = new Set(Object.values(BECOMES).flat())
  for (const [kind, keys] of Object.entries(BECOMES) as Array<[SpanKind, string[]]>) {
    const counts = keys.map((k) => stored.get(k) ?? 0)
    spans += Math.min(sent[kind], ...counts)
    keys.forEach((key, i) => {
      const loose = !exact && key === 'agent:started'
      if (loose ? counts[i]! < sent[kind] : counts[i] !== sent[kind]) problems.push(`${counts[i]} ${key} for ${sent[kind]} ${kind} spans`)
    })
  }
  for (const [key, n] of stored) if (!known.has(key) && (exact || key.endsWith(':failed'))) problems.push(`${n} ${key}, none sent`)
  return { spans, problems }
}

interface Result {
  path: Path
  clients: number
  spans: number
  requests: number
  seconds: number
  storedPerSec: number
  serverCpuMs: number
  clientCpuMs: number
  latencies: number[]
  /** events in the database at the end, warm-up included */
  stored: number
  /** spans sent, warm-up included, and those the store accounts for */
  sent: number
  accounted: number
  problems: string[]
  complaints: string[]
}

/**
 * One sender per client, each its own exporter: its own traces, its exports in order, one request in flight
 * (a BatchSpanProcessor's default), over its own keep-alive connection. Events need their agent's order kept
 * (a completion before its start is stored but ignored), so no client sends another's agents.
 */
async function sendAll(url: string, path: Path, streams: readonly Body[][]): Promise<number[]> {
  const latencies: number[] = []
  let failed = false
  const sender = async (bodies: readonly Body[]) => {
    for (const body of bodies) {
      if (failed) return
      const asked = performance.now()
      try {
        await send(url, path, body)
      } catch (error) {
        failed = true
        throw error
      }
      latencies.push(performance.now() - asked)
    }
  }
  await Promise.all(streams.map(sender))
  return latencies
}

async function scenario(path: Path, streams: readonly Body[][], warm: readonly Body[]): Promise<Result> {
  const bodies = streams.flat()
  const all = [...warm, ...bodies]
  const expected = all.reduce((n, b) => n + b.events, 0)
  const sent: Kinds = { agent: 0, chat: 0, tool: 0 }
  for (const b of all) for (const k of Object.keys(sent) as SpanKind[]) sent[k] += b.kinds[k]
  // Retention must not prune what this run counts.
  const server: ServerChild = await startServer({ SWITCHBOARD_RETAIN_EVENTS: String(Math.max(1_000_000, 2 * expected)) })
  try {
    // The routes' first requests compile what every later one reuses; then the start-up work is left to finish.
    for (const body of warm) await send(server.url, path, body)
    await settle(server)
    const before = { ingested: await server.metric(INGESTED), cpu: server.cpuMs(), client: process.cpuUsage(), at: performance.now() }
    const latencies = await sendAll(server.url, path, streams)
    const seconds = (performance.now() - before.at) / 1000
    const serverCpuMs = server.cpuMs() - before.cpu
    const client = process.cpuUsage(before.client)
    const ingested = (await server.metric(INGESTED)) - before.ingested
    const stored = await server.stop()
    const spans = bodies.reduce((n, b) => n + b.spans, 0)
    const { spans: accounted, problems } = account(sent, stored, path === 'json')
    const total = [...stored.values()].reduce((a, b) => a + b, 0)
    if (path === 'json' ? total !== expected : total < expected) problems.push(`${total} events in the database, ${expected} sent`)
    // The timed part alone, by the server's own counter (warm-up excluded): nothing of it may be missing.
    const timed = bodies.reduce((n, b) => n + b.events, 0)
    if (path === 'json' ? ingested !== timed : ingested < timed) problems.push(`${ingested} events counted as ingested while timed, ${timed} sent`)
    const clientCpuMs = (client.user + client.system) / 1000
    return { path, clients: streams.length, spans, requests: bodies.length, seconds, storedPerSec: ingested / seconds, serverCpuMs, clientCpuMs, latencies, stored: total, sent: all.reduce((n, b) => n + b.spans, 0), accounted, problems, complaints: server.complaints }
  } catch (error) {
    server.kill()
    throw error
  }
}

const n0 = (x: number) => Math.round(x).toLocaleString('en')
const COLUMNS: Array<[string, (r: Result, json?: Result) => string]> = [
  ['path', (r) => (r.path === 'otlp' ? `POST /v1/traces protobuf${GZIP ? ' gzip' : ''}` : 'POST /api/events JSON (baseline)')],
  ['clients', (r) => String(r.clients)],
  ['spans', (r) => n0(r.spans)],
  ['requests', (r) => n0(r.requests)],
  ['s', (r) => r.seconds.toFixed(2)],
  ['spans/s', (r) => n0(r.spans / r.seconds)],
  ['× JSON', (r, json) => (r.path === 'json' || !json ? '' : (r.spans / r.seconds / (json.spans / json.seconds)).toFixed(2))],
  ['events/s stored', (r) => n0(r.storedPerSec)],
  ['server CPU µs/span', (r) => ((r.serverCpuMs * 1000) / r.spans).toFixed(1)],
  ['server cores', (r) => (r.serverCpuMs / 1000 / r.seconds).toFixed(2)],
  ['client CPU µs/span', (r) => ((r.clientCpuMs * 1000) / r.spans).toFixed(1)],
  ['p50 ms', (r) => percentile([...r.latencies].sort((a, b) => a - b), 50).toFixed(1)],
  ['p99 ms', (r) => percentile([...r.latencies].sort((a, b) => a - b), 99).toFixed(1)],
  ['spans stored (db)', (r) => `${n0(r.accounted)}/${n0(r.sent)}`],
  ['events (db)', (r) => n0(r.stored)],
  ['beyond 2/span', (r) => (r.stored === 2 * r.sent ? '0' : `${r.stored > 2 * r.sent ? '+' : ''}${n0(r.stored - 2 * r.sent)}`)],
]

function printTable(results: readonly Result[]): void {
  const jsonOf = (r: Result) => results.find((j) => j.path === 'json' && j.clients === r.clients)
  const rows = results.map((r) => COLUMNS.map(([, cell]) => cell(r, jsonOf(r))))
  const widths = COLUMNS.map(([head], i) => Math.max(head.length, ...rows.map((row) => row[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  console.log(line(COLUMNS.map(([head]) => head)))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  rows.forEach((row, i) => {
    console.log(line(row))
    if (results[i + 1] && results[i + 1]!.clients !== results[i]!.clients) console.log('')
  })
}

// Recent times: an agent whose last event is over an hour old is retired by the server's sweep (SWITCHBOARD_RETIRE_MINUTES).
const startMs = Date.now() - 60_000
/** Each client's exports: a workload of its own (its share of the spans, ACTIVE traces in flight), cut into exports. */
function clientsWork(clients: number): WorkSpan[][][] {
  return Array.from({ length: clients }, (_, c) => {
    const share = Math.floor(SPANS / clients) + (c < SPANS % clients ? 1 : 0)
    return exportsOf(workload({ spans: share, active: ACTIVE, tag: 1 + c, startMs }).spans, BATCH)
  })
}
const works = new Map(CLIENTS.map((clients) => [clients, clientsWork(clients)]))
const encoded = new Map([...works].map(([clients, work]) => [clients, { otlp: work.map((e) => encode('otlp', e)), json: work.map((e) => encode('json', e)) }]))
const warmExports = exportsOf(workload({ spans: WARMUP_EXPORTS * BATCH, active: ACTIVE, tag: 200, startMs }).spans, BATCH)
const warm = { otlp: encode('otlp', warmExports), json: encode('json', warmExports) }
const kb = (bodies: readonly Body[]) => (bodies.reduce((n, b) => n + b.bytes.length, 0) / bodies.length / 1024).toFixed(0)
const first = encoded.get(CLIENTS[0]!)!
const traces = new Set(works.get(CLIENTS[0]!)!.flat(2).map((s) => `${s.trace}:${Buffer.from(s.traceId).toString('hex')}`)).size
const { tracesPerExport, exportsPerTrace } = spread(works.get(CLIENTS[0]!)!.flat())

console.log(
  `${n0(SPANS)} spans in ${n0(traces)} traces (one invoke_agent span, 9 to 11 chat / execute_tool children, children exported first; each client ${ACTIVE} traces in flight:\n` +
    `${tracesPerExport.toFixed(0)} traces per export, each trace over ${exportsPerTrace.toFixed(1)} exports) in exports of ${BATCH} spans (${kb(first.otlp.flat())} KB of protobuf${GZIP ? ', gzip' : ''});\n` +
    `the baseline: the same spans' events (${n0(2 * SPANS)}: two per work span, agent started and completed per agent span) in one JSON batch per export (${kb(first.json.flat())} KB).\n` +
    `Each client sends its own traces, one request at a time. Each row on a fresh server (bun run src/main.ts --no-demo, SQLite file in a temp dir, loopback)\n` +
    `after ${WARMUP_EXPORTS} warm-up requests; keep-alive fetch from this process. Bun ${Bun.version}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`,
)

const results: Result[] = []
try {
  for (const [i, clients] of CLIENTS.entries()) {
    // Alternating which path goes first, so that a change in the machine's load falls on both.
    const order = i % 2 === 0 ? PATHS : [...PATHS].reverse()
    const pair: Result[] = []
    for (const path of order) pair.push(await scenario(path, encoded.get(clients)![path], warm[path]))
    results.push(...pair.sort((a, b) => (a.path === 'otlp' ? -1 : b.path === 'otlp' ? 1 : 0)))
  }
} catch (error) {
  console.error(`\nFAILED: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
}

printTable(results)
console.log(
  '\nreference: the OpenTelemetry Collector\'s published sizing (opentelemetry-collector docs/performance.md, v0.1.3; OTLP spans of 20 attributes, no tail sampling):\n' +
    '2 CPUs, 4 GB: ~24,000 spans/s sustained, 20,000 recommended maximum (1 CPU: ~12,000 / 10,000). It receives, batches and forwards; it stores nothing.',
)
const complaints = results.flatMap((r) => r.complaints.map((c) => `${r.path} ×${r.clients}: ${c}`))
if (complaints.length) console.log(`\nthe server complained:\n${complaints.slice(0, 20).join('\n')}`)
const lost = results.filter((r) => r.problems.length > 0)
for (const r of lost) console.error(`FAILED: ${r.path} with ${r.clients} clients: ${r.problems.join('; ')}`)
process.exit(lost.length ? 1 : 0)
