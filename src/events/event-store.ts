// The event store: every accepted event appended to SQLite (group commit per tick), read back for replay and history.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Category, Event } from '../protocol/event'
import type { RunSummary } from '../protocol/runs'
import { storageError } from '../workspace/sqlite'
import { WriteCheck } from './write-check'
import { recovered, reportStorage } from '../workspace/storage-retry'
import { StorageUnavailable } from '../workspace/workspace'
import { logger } from '../telemetry/log'
import { timeWrite } from '../telemetry/metrics'
import { OnceLog } from '../telemetry/once'
import { GroupCommit, type GroupCommitOptions } from './group-commit'
import type { JournalWatch } from './bus'
import { StepIndex } from './steps-index'
import { runEventRows, runSummaries, type RunEventsOptions } from './run-queries'

export { BUSY_FOR_MS, type StoreClock } from './group-commit'

export interface StoredEvent {
  seq: number
  event: Event
}

export interface EventQuery {
  graph_id?: string
  agent_id?: string
  categories?: readonly Category[]
  /** `category:action` */
  kind?: string
  /** any of these `category:action` */
  kinds?: readonly string[]
  /** substring of the event's JSON, case-insensitive */
  text?: string
  /** events with seq above this */
  after?: number
  /** events with seq below this (newest-first paging) */
  before?: number
  limit: number
  order?: 'asc' | 'desc'
}

export interface Checkpoint {
  seq: number
  body: string
}

type Row = { seq: number; body: string }

// Short: bun:sqlite waits synchronously, and the loop must stay free (the retries are asynchronous).
const BUSY_TIMEOUT_MS = 50

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  at INTEGER NOT NULL,
  category TEXT NOT NULL,
  action TEXT NOT NULL,
  agent_id TEXT,
  graph_id TEXT,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_agent ON events (agent_id, seq);
CREATE INDEX IF NOT EXISTS events_graph ON events (graph_id, seq);
CREATE INDEX IF NOT EXISTS events_at ON events (at);
CREATE TABLE IF NOT EXISTS checkpoints (name TEXT PRIMARY KEY, seq INTEGER NOT NULL, body TEXT NOT NULL, saved_at INTEGER NOT NULL);
`

/** (graph_id, agent_id) of every run's agents: announced by its graph:started, or naming the graph in their own events. */
/** A stored row back as an event, or undefined (with the reason) when it no longer parses. */
function decode(row: Row, onBad: (seq: number, error: unknown) => void): StoredEvent | undefined {
  try {
    return { seq: row.seq, event: JSON.parse(row.body) as Event }
  } catch (error) {
    onBad(row.seq, error)
    return undefined
  }
}

export interface EventStoreOptions extends Pick<GroupCommitOptions, 'flushMs' | 'busyForMs' | 'clock'> {
  onBadRow?: (seq: number, error: unknown) => void
}

export class EventStore {
  private readonly db: Database
  private readonly batches: GroupCommit
  private readonly onBadRow: (seq: number, error: unknown) => void
  private readonly insert
  private readonly hasId
  private readonly holdingIds
  private readonly checkpointFailed = new OnceLog('cannot write', logger('events'))
  private readonly check: WriteCheck
  /** called after each commit with the last committed seq (checkpoints hang off this) */
  onCommit: ((lastSeq: number) => void) | undefined
  /** who hears of each batch stored or dropped (the bus: it shows what is stored, forgets what is dropped) */
  private watcher: JournalWatch | undefined
  /** every agent's steps, derived from the events and written with them */
  readonly steps: StepIndex

  constructor(path: string, options: EventStoreOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path, { create: true })
    this.db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
    if (path !== ':memory:') this.db.exec('PRAGMA journal_mode = WAL')
    this.db.exec(SCHEMA)
    this.check = new WriteCheck(this.db, path, BUSY_TIMEOUT_MS)
    this.batches = new GroupCommit({
      ...options,
      write: (batch) => this.write(batch),
      committed: (batch) => this.committed(batch),
      dropped: (batch, error) => this.dropped(batch, error),
    })
    // Every history page and replay meets a bad row again: one line per row, not per read.
    const skipped = new OnceLog('skipping stored event', logger('events'))
    this.onBadRow = options.onBadRow ?? ((seq, error) => skipped.report(`#${seq}`, error))
    this.hasId = this.db.query<{ one: number }, [string]>('SELECT 1 AS one FROM events WHERE id = ?')
    this.holdingIds = this.db.query<{ id: string }, [string]>('SELECT id FROM events WHERE id IN (SELECT value FROM json_each(?))')
    this.insert = this.db.query('INSERT OR IGNORE INTO events (id, at, category, action, agent_id, graph_id, body) VALUES (?, ?, ?, ?, ?, ?, ?)')
    this.steps = new StepIndex(this.db)
  }

  watch(watcher: JournalWatch): void {
    this.watcher = watcher
  }

  /** Queue an event for the next commit. Ids already stored are ignored there. */
  append(event: Event): void {
    this.batches.append(event)
  }

  /** Resolves once everything appended so far is committed; rejects if the store cannot take it. */
  flushed(): Promise<void> {
    return this.batches.flushed()
  }

  /** Commit what is buffered now, in one transaction; a store that cannot fails the writers waiting on it (at shutdown). */
  commit(): void {
    this.batches.commitOrDrop()
  }

  /** Throws StorageUnavailable unless the file takes a write now (readiness; write-check.ts). */
  probeWrite(): void {
    this.check.probe()
  }

  /** Throws StorageUnavailable unless a batch can be taken now: asked before anything of it is written or shown. */
  assertWritable(): void {
    this.check.assertWritable()
  }

  /** Whether an event with this id is stored (the dedupe beyond the ids kept in memory). */
  has(id: string): boolean {
    return this.hasId.get(id) !== null
  }

  /** Of these ids, the ones stored: one query for a batch. */
  holding(ids: readonly string[]): Set<string> {
    if (!ids.length) return new Set()
    return new Set(this.holdingIds.all(JSON.stringify(ids)).map((row) => row.id))
  }

  lastSeq(): number {
    return this.db.query<{ seq: number | null }, []>('SELECT MAX(seq) AS seq FROM events').get()?.seq ?? 0
  }

  count(): number {
    return this.db.query<{ n: number }, []>('SELECT COUNT(*) AS n FROM events').get()?.n ?? 0
  }

  /** The ids of the newest `n` events, oldest first: the dedupe window carried over a restart. */
  recentIds(n: number): string[] {
    return this.db
      .query<{ id: string }, [number]>('SELECT id FROM (SELECT seq, id FROM events ORDER BY seq DESC LIMIT ?) ORDER BY seq')
      .all(n)
      .map((r) => r.id)
  }

  /** Events after `seq`, oldest first, page by page (replay). */
  *after(seq: number, pageSize = 5_000): Generator<StoredEvent> {
    const page = this.db.query<Row, [number, number]>('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
    for (let from = seq; ; ) {
      const rows = page.all(from, pageSize)
      for (const row of rows) {
        const stored = decode(row, this.onBadRow)
        if (stored) yield stored
      }
      if (rows.length < pageSize) return
      from = rows.at(-1)!.seq
    }
  }

  /** The newest `n` events, oldest first. */
  tail(n: number): StoredEvent[] {
    const rows = this.db.query<Row, [number]>('SELECT seq, body FROM (SELECT seq, body FROM events ORDER BY seq DESC LIMIT ?) ORDER BY seq').all(n)
    return rows.flatMap((row) => decode(row, this.onBadRow) ?? [])
  }

  query(q: EventQuery): StoredEvent[] {
    const where: string[] = []
    const args: Array<string | number> = []
    if (q.graph_id !== undefined) (where.push('graph_id = ?'), args.push(q.graph_id))
    if (q.agent_id !== undefined) (where.push('agent_id = ?'), args.push(q.agent_id))
    if (q.categories?.length) (where.push(`category IN (${q.categories.map(() => '?').join(',')})`), args.push(...q.categories))
    if (q.kind !== undefined) (where.push("category || ':' || action = ?"), args.push(q.kind))
    if (q.kinds?.length) (where.push(`category || ':' || action IN (${q.kinds.map(() => '?').join(',')})`), args.push(...q.kinds))
    if (q.text !== undefined) (where.push("instr(lower(body), lower(?)) > 0"), args.push(q.text))
    if (q.after !== undefined) (where.push('seq > ?'), args.push(q.after))
    if (q.before !== undefined) (where.push('seq < ?'), args.push(q.before))
    const sql = `SELECT seq, body FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${q.order === 'desc' ? 'DESC' : 'ASC'} LIMIT ?`
    return this.db
      .query<Row, Array<string | number>>(sql)
      .all(...args, q.limit)
      .flatMap((row) => decode(row, this.onBadRow) ?? [])
  }

  /** Runs (graphs), newest first; or the one run `graphId` (run-queries.ts). */
  runs(limit = 100, graphId?: string): RunSummary[] {
    return runSummaries(this.db, limit, graphId)
  }

  /** A run's events, oldest first, at most `limit`, with its agents' events that name no graph (run-queries.ts). */
  runEvents(graphId: string, limit: number, options: RunEventsOptions = {}): StoredEvent[] {
    return runEventRows(this.db, graphId, limit, options).flatMap((row) => decode(row, this.onBadRow) ?? [])
  }

  saveCheckpoint(name: string, seq: number, body: string): void {
    this.db.query('INSERT INTO checkpoints (name, seq, body, saved_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq, body = excluded.body, saved_at = excluded.saved_at').run(name, seq, body, Date.now())
  }

  loadCheckpoint(name: string): Checkpoint | undefined {
    return this.db.query<Checkpoint, [string]>('SELECT seq, body FROM checkpoints WHERE name = ?').get(name) ?? undefined
  }

  /**
   * Retention, one chunk at a time (the caller loops between turns of the event loop, so a large
   * prune never holds the write lock long): drop events older than `before` (epoch ms) and all but
   * the newest `keep`, never past `upTo` (the checkpoint replay starts from). Returns how many went.
   */
  prune({ before, keep, upTo, chunk = 2_000 }: { before: number; keep: number; upTo: number; chunk?: number }): number {
    // By count: everything before the newest `keep`. By age: each event by its own time, not a cut-off
    // at the newest old one (regression: one event stamped 40 days ago took today's history with it).
    const byCount = Math.min(upTo, Math.max(0, this.lastSeq() - keep))
    const going = 'SELECT seq FROM events WHERE seq <= ? OR (at < ? AND seq <= ?) ORDER BY seq LIMIT ?'
    const args = [byCount, before, upTo, chunk]
    return this.db.transaction(() => {
      this.steps.pruning(going, args)
      return this.db.query(`DELETE FROM events WHERE seq IN (${going})`).run(...args).changes
    })()
  }

  close(): void {
    try {
      this.commit()
    } finally {
      this.db.close()
    }
  }

  /**
   * Shown, then checkpointed: at commit time the actors have seen exactly the committed events (a consistent
   * cut). The events are stored whatever follows: a checkpoint that cannot be written (disk full) waits for
   * the next commit, one line per incident.
   */
  private committed(batch: readonly Event[]): void {
    this.check.committed()
    recovered()
    this.watcher?.stored(batch)
    try {
      this.onCommit?.(this.lastSeq())
    } catch (error) {
      this.checkpointFailed.report('checkpoint', storageError(error))
    }
  }

  /** Not stored: the bus forgets them; a failure (not a lock, which clears) stays until a commit succeeds. */
  private dropped(batch: readonly Event[], error: unknown): void {
    if (error instanceof StorageUnavailable) {
      this.check.failed(error)
      reportStorage(error)
    }
    this.watcher?.dropped(batch)
  }

  private write(batch: readonly Event[]): void {
    this.check.beforeWrite()
    try {
      const write = this.db.transaction(() => {
        const stored: Array<{ seq: number; event: Event }> = []
        for (const e of batch) {
          const { changes, lastInsertRowid } = this.insert.run(e.id, e.timestamp, e.category, e.action, e.agent_id ?? null, e.graph_id ?? null, JSON.stringify(e))
          if (changes) stored.push({ seq: Number(lastInsertRowid), event: e })
        }
        this.steps.record(stored)
      })
      timeWrite('events', () => write.immediate())
    } catch (error) {
      this.steps.forget()
      throw storageError(error)
    }
  }
}
