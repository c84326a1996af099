// The bun:sqlite Workspace backend: one kv table, JSON values, WAL so several processes can share the file.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { FileIdentity } from './file-identity'
import { StorageUnavailable, WorkspaceCorrupt, warnCorrupt, type Workspace, type WorkspaceOptions } from './workspace'
import { timeWrite } from '../telemetry/metrics'
import { OnceLog } from '../telemetry/once'

// Short: bun:sqlite waits synchronously, so a long wait for another process's lock would stall every
// request. The callers retry asynchronously instead (server/storage-retry.ts).
const BUSY_TIMEOUT_MS = 50
// Range upper bound for prefix scans: sorts after every character a key realistically holds,
// and avoids LIKE, where `%` and `_` in a prefix would be wildcards.
const PREFIX_END = '\uffff'

type Row = { key: string; value: string }

const BUSY = ['SQLITE_BUSY', 'SQLITE_LOCKED']
const FAILING: Record<string, string> = {
  SQLITE_FULL: 'the disk is full',
  SQLITE_READONLY: 'the database is read-only',
  SQLITE_IOERR: 'an I/O error',
  SQLITE_CANTOPEN: 'the database cannot be opened',
  SQLITE_CORRUPT: 'the database file is damaged',
}

/** SQLite's busy and failing conditions as StorageUnavailable (a 503 with a reason); anything else as it is. */
export function storageError(error: unknown): unknown {
  // Extended codes refine the primary one: SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_WRITE, …
  const code = String((error as { code?: unknown }).code ?? '')
  if (BUSY.some((c) => code.startsWith(c))) return new StorageUnavailable('the database is locked by another process', true, error)
  const failing = Object.keys(FAILING).find((c) => code.startsWith(c))
  return failing ? new StorageUnavailable(FAILING[failing]!, false, error) : error
}

function attempt<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    throw storageError(error)
  }
}

function parse<T>(row: Row): T {
  try {
    return JSON.parse(row.value) as T
  } catch (error) {
    throw new WorkspaceCorrupt(row.key, error)
  }
}

function openDatabase(path: string): Database {
  const memory = path === ':memory:'
  if (!memory) mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path, { create: true })
  db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`)
  if (!memory) db.exec('PRAGMA journal_mode = WAL')
  db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER)')
  return db
}

export function openSqliteWorkspace(path: string, opts: WorkspaceOptions = {}): Workspace {
  const db = openDatabase(path)
  // A file deleted under the server: the answer written now would be gone at restart, so it is refused.
  const identity = new FileIdentity(path)
  const writing = <T>(fn: () => T): T => {
    if (!db.inTransaction) identity.check()
    return attempt(fn)
  }
  // Listed on every poll: a corrupt value is reported once per process, not every 250 ms.
  const reported = new OnceLog('skipping corrupt value at')
  const report = opts.onCorrupt ?? warnCorrupt
  const onCorrupt: typeof report = (key, error) => {
    if (reported.begins(key)) report(key, error)
  }
  const getStmt = db.query<Row, [string]>('SELECT key, value FROM kv WHERE key = ?')
  const setStmt = db.query(
    'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  )
  const deleteStmt = db.query('DELETE FROM kv WHERE key = ?')
  const listStmt = db.query<Row, [string, string]>('SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key')
  let closed = false

  return {
    get<T>(key: string) {
      const row = attempt(() => getStmt.get(key))
      return row ? parse<T>(row) : undefined
    },
    set(key, value) {
      const json = JSON.stringify(value)
      if (json === undefined) throw new TypeError(`workspace value for ${key} is not JSON-serialisable`)
      writing(() => setStmt.run(key, json, Date.now()))
    },
    delete(key) {
      writing(() => deleteStmt.run(key))
    },
    list<T>(prefix: string) {
      const out: Array<{ key: string; value: T }> = []
      for (const row of attempt(() => listStmt.all(prefix, prefix + PREFIX_END))) {
        try {
          out.push({ key: row.key, value: parse<T>(row) })
        } catch (error) {
          if (!(error instanceof WorkspaceCorrupt)) throw error
          onCorrupt(row.key, error)
        }
      }
      return out
    },
    transaction<T>(fn: () => T): T {
      // Already inside one: bun's db.transaction would open a savepoint, the outer one gives atomicity.
      if (db.inTransaction) return fn()
      // immediate: take the write lock up front, so read-check-write cannot interleave with another process.
      return writing(() => timeWrite('workspace', () => db.transaction(fn).immediate()))
    },
    close() {
      if (closed) return
      closed = true
      db.close()
    },
  }
}
