// The webhook outbox: one row per notice per URL in the event store's SQLite file, and the last event seq turned into rows.
// Each URL's pending rows are its queue: read per receiver, oldest notice (seq) first.
import { Database } from 'bun:sqlite'

export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface Delivery {
  /** `<event id>:<url index>`: the X-Switchboard-Delivery header, the same on every attempt */
  delivery_id: string
  url: string
  event: string
  body: string
  status: DeliveryStatus
  attempts: number
  created_at: number
  next_at: number
  last_status: number | null
  last_error: string | null
  done_at: number | null
}

export type NewDelivery = Pick<Delivery, 'delivery_id' | 'url' | 'event' | 'body'> & { seq: number }

const SCHEMA = `
CREATE TABLE IF NOT EXISTS webhook_outbox (
  delivery_id TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  url TEXT NOT NULL,
  event TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  done_at INTEGER
);
CREATE INDEX IF NOT EXISTS webhook_outbox_due ON webhook_outbox (status, next_at);
CREATE INDEX IF NOT EXISTS webhook_outbox_queue ON webhook_outbox (status, url, seq);
CREATE INDEX IF NOT EXISTS webhook_outbox_url_due ON webhook_outbox (status, url, next_at);
CREATE TABLE IF NOT EXISTS webhook_cursor (name TEXT PRIMARY KEY, seq INTEGER NOT NULL);
`
const CURSOR = 'events'

export class Outbox {
  private readonly db: Database

  /** `path` is the event store's file (its own connection; `:memory:` is a throwaway of its own). */
  constructor(path: string) {
    this.db = new Database(path, { create: true })
    this.db.exec('PRAGMA busy_timeout = 50')
    this.db.exec(SCHEMA)
  }

  /** The last event seq turned into rows; undefined before the first start with webhooks. */
  cursor(): number | undefined {
    return this.db.query<{ seq: number }, [string]>('SELECT seq FROM webhook_cursor WHERE name = ?').get(CURSOR)?.seq
  }

  /** Add rows (a delivery id already there is kept as it is) and move the cursor to `upTo`, in one transaction. */
  enqueue(rows: readonly NewDelivery[], upTo: number, now: number): void {
    const insert = this.db.query(
      "INSERT OR IGNORE INTO webhook_outbox (delivery_id, seq, url, event, body, status, attempts, created_at, next_at) VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
    )
    const cursor = this.db.query('INSERT INTO webhook_cursor (name, seq) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET seq = excluded.seq')
    this.db
      .transaction(() => {
        for (const r of rows) insert.run(r.delivery_id, r.seq, r.url, r.event, r.body, now, now)
        cursor.run(CURSOR, upTo)
      })
      .immediate()
  }

  /** One receiver's pending rows due by `now`, oldest notice first: its queue keeps the events' order. */
  dueFor(url: string, now: number, limit: number): Delivery[] {
    return this.db
      .query<Delivery, [string, number, number]>("SELECT * FROM webhook_outbox WHERE status = 'pending' AND url = ? AND next_at <= ? ORDER BY seq, delivery_id LIMIT ?")
      .all(url, now, limit)
  }

  /** When one receiver's next pending row falls due; undefined when none is pending. */
  nextDueFor(url: string): number | undefined {
    return this.db.query<{ at: number | null }, [string]>("SELECT MIN(next_at) AS at FROM webhook_outbox WHERE status = 'pending' AND url = ?").get(url)?.at ?? undefined
  }

  /** Pending rows for URLs no longer configured end as failed: nothing would ever send them. */
  abandonOthers(urls: readonly string[], now: number): number {
    const marks = urls.map(() => '?').join(', ')
    return this.db
      .query(`UPDATE webhook_outbox SET status = 'failed', last_error = 'URL no longer in SWITCHBOARD_WEBHOOK_URL', done_at = ? WHERE status = 'pending' AND url NOT IN (${marks})`)
      .run(now, ...urls).changes
  }

  /**
   * Give up the pending rows created before `before`, but those in flight: behind a failing receiver's oldest
   * notices the rest are never tried, so nothing else would end them.
   */
  giveUpOlder(before: number, inflight: readonly string[], now: number, why: string): number {
    const marks = inflight.map(() => '?').join(', ')
    return this.db
      .query(`UPDATE webhook_outbox SET status = 'failed', last_error = ?, done_at = ? WHERE status = 'pending' AND created_at < ? AND delivery_id NOT IN (${marks})`)
      .run(why, now, before, ...inflight).changes
  }

  get(deliveryId: string): Delivery | undefined {
    return this.db.query<Delivery, [string]>('SELECT * FROM webhook_outbox WHERE delivery_id = ?').get(deliveryId) ?? undefined
  }

  all(): Delivery[] {
    return this.db.query<Delivery, []>('SELECT * FROM webhook_outbox ORDER BY seq, delivery_id').all()
  }

  /** Record an attempt: `done` ends the row (delivered or failed for good), else it waits until `nextAt`. */
  attempted(deliveryId: string, a: { attempts: number; status: DeliveryStatus; httpStatus?: number; error?: string; nextAt?: number; now: number }): void {
    this.db
      .query('UPDATE webhook_outbox SET attempts = ?, status = ?, last_status = ?, last_error = ?, next_at = COALESCE(?, next_at), done_at = ? WHERE delivery_id = ?')
      .run(a.attempts, a.status, a.httpStatus ?? null, a.error ?? null, a.nextAt ?? null, a.status === 'pending' ? null : a.now, deliveryId)
  }

  /** Drop finished rows (delivered or given up) older than `before`: the table stays bounded. */
  prune(before: number): number {
    return this.db.query("DELETE FROM webhook_outbox WHERE status != 'pending' AND done_at < ?").run(before).changes
  }

  close(): void {
    this.db.close()
  }
}
