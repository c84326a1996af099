// Whether the event store's file can take a write now: the lock free, the file still the one opened, and after a
// failed commit (disk full) a probe of a batch's size committed. Asked before a write is taken, and by /readyz.
import type { Database } from 'bun:sqlite'
import { FileIdentity } from '../workspace/file-identity'
import { storageError } from '../workspace/sqlite'
import type { StorageUnavailable } from '../workspace/workspace'

/**
 * While commits fail (disk full), a write must first commit this much to be let through: the largest body
 * POST /api/events takes (1 MiB). A small probe fits in the pages a full file still has free, and said "writable"
 * while every batch failed; one smaller than a batch let batches through to fail again. Written only while failing.
 */
export const PROBE_BYTES = 1 << 20

export class WriteCheck {
  private readonly identity: FileIdentity
  /** why the last commit failed, until one succeeds (busy is not failing: it clears by itself) */
  private failing: StorageUnavailable | undefined

  constructor(private readonly db: Database, path: string, private readonly busyTimeoutMs: number) {
    this.identity = new FileIdentity(path)
  }

  /** Before each commit: DatabaseGone once the file opened is no longer at its path. */
  beforeWrite(): void {
    this.identity.check()
  }

  committed(): void {
    this.failing = undefined
  }

  failed(error: StorageUnavailable): void {
    if (!error.busy) this.failing = error
  }

  /**
   * Throws StorageUnavailable unless the file takes a write now (readiness): a write in its own transaction,
   * not a read, since a full disk or a read-only file still reads fine. After a failed commit, of PROBE_BYTES:
   * one that succeeds ends the incident.
   */
  probe(): void {
    this.identity.check()
    const body = this.failing ? 'x'.repeat(PROBE_BYTES) : ''
    try {
      this.db.transaction(() => this.db.query("INSERT OR REPLACE INTO checkpoints (name, seq, body, saved_at) VALUES ('ready-probe', 0, ?, ?)").run(body, Date.now())).immediate()
      if (body) this.db.query("UPDATE checkpoints SET body = '' WHERE name = 'ready-probe'").run()
    } catch (error) {
      throw storageError(error)
    }
    this.failing = undefined
  }

  /**
   * Throws StorageUnavailable unless a batch can be taken now, asked before anything of it is written (an
   * agent:blocked's question record included). Cheap while all is well: the lock taken and given back, nothing
   * written, not waited for (callers wait asynchronously: storage-retry.ts). After a failed commit: the probe.
   */
  assertWritable(): void {
    this.identity.check()
    if (this.failing) return this.probe()
    this.db.exec('PRAGMA busy_timeout = 0')
    try {
      this.db.exec('BEGIN IMMEDIATE')
      this.db.exec('ROLLBACK')
    } catch (error) {
      throw storageError(error)
    } finally {
      this.db.exec(`PRAGMA busy_timeout = ${this.busyTimeoutMs}`)
    }
  }
}
