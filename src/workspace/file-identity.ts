// Whether the database file is still the one opened: deleted (or replaced) under a running server, SQLite goes on
// writing to the unlinked inode and every write acknowledged after is gone at restart.
import { statSync } from 'node:fs'
import { logger } from '../telemetry/log'
import { DatabaseGone } from './workspace'

/** Paths already said to be gone: the event store and the workspace share a file, and the log says it once. */
const reported = new Set<string>()

export class FileIdentity {
  private readonly ino: number | undefined
  private readonly dev: number | undefined
  private gone: DatabaseGone | undefined

  constructor(private readonly path: string) {
    const st = path === ':memory:' ? undefined : statSync(path, { throwIfNoEntry: false })
    this.ino = st?.ino
    this.dev = st?.dev
  }

  /**
   * Throws DatabaseGone unless the path still names the file opened. A stat per commit (about a microsecond, and a
   * commit carries a tick's worth of events) rather than a timer: the write that would be lost is the one refused.
   */
  check(): void {
    if (this.gone) throw this.gone
    if (this.ino === undefined) return
    const st = statSync(this.path, { throwIfNoEntry: false })
    if (st && st.ino === this.ino && st.dev === this.dev) return
    this.gone = new DatabaseGone(this.path)
    if (!reported.has(this.path)) {
      reported.add(this.path)
      logger('storage').error(`${this.gone.message}; every write is refused (503) until then`, { incident: 'start', reason: this.gone.reason })
    }
    throw this.gone
  }
}
