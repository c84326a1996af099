// The trace index written to SQLite (the event store's file, tables of its own): a run split over a restart maps as
// one. What is read back is checked row by row: a row that does not parse is skipped with a line, never a failed start.
import { Database, type Statement } from 'bun:sqlite'
import { getLogger } from '@logtape/logtape'
import type { Draft } from './span-events'
import { Trace, type SpanFact, type TraceMeta } from './trace-index'
import type { TraceStore } from './assembler'

const log = getLogger(['switchboard', 'otlp'])

const SCHEMA = `
CREATE TABLE IF NOT EXISTS otlp_traces (trace TEXT PRIMARY KEY, meta TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS otlp_spans (trace TEXT NOT NULL, span TEXT NOT NULL, fact TEXT NOT NULL, held TEXT, PRIMARY KEY (trace, span)) WITHOUT ROWID;
`

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const pairs = (v: unknown): v is [string, string][] => Array.isArray(v) && v.every((p) => Array.isArray(p) && p.length === 2 && typeof p[0] === 'string' && typeof p[1] === 'string')

function metaOf(text: string): TraceMeta | undefined {
  const m: unknown = JSON.parse(text)
  if (!isObject(m) || typeof m.graph !== 'string' || !pairs(m.agents) || !pairs(m.names)) return undefined
  return { graph: m.graph, agents: m.agents, names: m.names, bound: m.bound === true, rooted: m.rooted === true, failed: m.failed === true }
}

function factOf(text: string): SpanFact | undefined {
  const f: unknown = JSON.parse(text)
  if (!isObject(f)) return undefined
  const role = f.r === 'agent' || f.r === 'tool' || f.r === 'model' ? f.r : undefined
  return { ...(typeof f.p === 'string' ? { p: f.p } : {}), ...(role ? { r: role } : {}), ...(typeof f.c === 'string' ? { c: f.c } : {}) }
}

function draftsOf(text: string): Draft[] | undefined {
  const d: unknown = JSON.parse(text)
  return Array.isArray(d) && d.every((x) => isObject(x) && typeof x.id === 'string' && typeof x.timestamp === 'number' && isObject(x.payload)) ? (d as Draft[]) : undefined
}

export class SqliteTraceStore implements TraceStore {
  private readonly db: Database
  private readonly putTrace: Statement
  private readonly putSpan: Statement
  private readonly dropTrace: Statement
  private readonly dropSpans: Statement

  constructor(path: string) {
    this.db = new Database(path, { create: true })
    // Short, as the workspace's: bun:sqlite waits synchronously; a lock held elsewhere is a 503 the exporter retries.
    this.db.exec('PRAGMA busy_timeout = 50')
    if (path !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL')
    this.db.exec(SCHEMA)
    this.putTrace = this.db.query('INSERT INTO otlp_traces (trace, meta, at) VALUES (?, ?, ?) ON CONFLICT(trace) DO UPDATE SET meta = excluded.meta, at = excluded.at')
    this.putSpan = this.db.query('INSERT INTO otlp_spans (trace, span, fact, held) VALUES (?, ?, ?, ?) ON CONFLICT(trace, span) DO UPDATE SET fact = excluded.fact, held = excluded.held')
    this.dropTrace = this.db.query('DELETE FROM otlp_traces WHERE trace = ?')
    this.dropSpans = this.db.query('DELETE FROM otlp_spans WHERE trace = ?')
  }

  /** Every stored trace, the one heard from longest ago first. */
  *load(): Iterable<Trace> {
    const spans = this.db.query<{ span: string; fact: string; held: string | null }, [string]>('SELECT span, fact, held FROM otlp_spans WHERE trace = ?')
    let skipped = 0
    for (const row of this.db.query<{ trace: string; meta: string; at: number }, []>('SELECT trace, meta, at FROM otlp_traces ORDER BY at').all()) {
      try {
        const meta = metaOf(row.meta)
        if (!meta) throw new Error('not a trace')
        const trace = new Trace(row.trace, meta.graph, row.at)
        trace.restore(meta)
        for (const s of spans.all(row.trace)) {
          try {
            const fact = factOf(s.fact)
            if (!fact) throw new Error('not a span')
            trace.add(s.span, fact)
            const held = s.held === null ? undefined : draftsOf(s.held)
            if (held) trace.hold(s.span, held, s.held!.length)
          } catch {
            skipped++
          }
        }
        trace.unsaved.clear()
        yield trace
      } catch {
        skipped++
      }
    }
    if (skipped) log.warn(`skipped ${skipped} unreadable rows of the OTLP trace index`)
  }

  save(traces: Iterable<Trace>, _released: ReadonlyArray<[Trace, string]>, gone: Iterable<Trace>): void {
    this.db.transaction(() => {
      for (const trace of gone) {
        this.dropTrace.run(trace.id)
        this.dropSpans.run(trace.id)
      }
      for (const trace of traces) {
        this.putTrace.run(trace.id, JSON.stringify(trace.meta()), trace.at)
        trace.metaUnsaved = false
        for (const spanId of trace.unsaved) {
          const fact = trace.spans.get(spanId)
          const held = trace.held.get(spanId)
          if (fact) this.putSpan.run(trace.id, spanId, JSON.stringify(fact), held ? JSON.stringify(held) : null)
        }
        trace.unsaved.clear()
      }
    })()
  }

  close(): void {
    this.db.close()
  }
}
