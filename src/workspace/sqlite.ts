// The bun:sqlite Workspace backend: one kv table, JSON values, WAL so several processes can share the file.
import { Database } from 'bun:sqlite'
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { WorkspaceCorrupt, warnCorrupt, type Workspace, type WorkspaceOptions } from './workspace'

// Writers from other processes hold the lock briefly; waiting beats failing with SQLITE_BUSY.
const BUSY_TIMEOUT_MS = 5_000
// Range upper bound for prefix scans: sorts after every character a key realistically holds,
// and avoids LIKE, where `%` and `_` in a prefix would be wildcards.
const PREFIX_END = '\uffff'

type Row = { key: string; value: string }

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
  const onCorrupt = opts.onCorrupt ?? warnCorrupt
  const getStmt = db.query<Row, [string]>('SELECT key, value FROM kv WHERE key = ?')
  const setStmt = db.query(
    'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  )
  const deleteStmt = db.query('DELETE FROM kv WHERE key = ?')
  const listStmt = db.query<Row, [string, string]>('SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key')
  let closed = false

  return {
    get<T>(key: string) {
      const row = getStmt.get(key)
      return row ? parse<T>(row) : undefined
    },
    set(key, value) {
      const json = JSON.stringify(value)
      if (json === undefined) throw new TypeError(`workspace value for ${key} is not JSON-serialisable`)
      setStmt.run(key, json, Date.now())
    },
    delete(key) {
      deleteStmt.run(key)
    },
    list<T>(prefix: string) {
      const out: Array<{ key: string; value: T }> = []
      for (const row of listStmt.all(prefix, prefix + PREFIX_END)) {
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
      return db.transaction(fn).immediate()
    },
    close() {
      if (closed) return
      closed = true
      db.close()
    },
  }
}
