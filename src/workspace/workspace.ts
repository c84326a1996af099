// The key/value Workspace contract shared with Remora, and the error for a value that no longer parses.
import { logger } from '../telemetry/log'

export interface Workspace {
  /** Throws WorkspaceCorrupt when the stored value is not valid JSON. */
  get<T>(key: string): T | undefined
  set(key: string, value: unknown): void
  delete(key: string): void
  /** Entries whose key starts with prefix, in key order; corrupt values are skipped and reported. */
  list<T>(prefix: string): Array<{ key: string; value: T }>
  /** Runs fn atomically; a throw rolls everything back. Nested calls join the outer one. */
  transaction<T>(fn: () => T): T
  close(): void
}

export type CorruptHandler = (key: string, error: WorkspaceCorrupt) => void

export interface WorkspaceOptions {
  /** Called for each corrupt value list() skips (once per key); defaults to a warning in the log. */
  onCorrupt?: CorruptHandler
}

export class WorkspaceCorrupt extends Error {
  name = 'WorkspaceCorrupt'
  constructor(readonly key: string, readonly cause?: unknown) {
    super(`workspace value at ${JSON.stringify(key)} is not valid JSON`)
  }
}

export const warnCorrupt: CorruptHandler = (key, error) =>
  logger('workspace').warn(`skipping corrupt value at ${key}: ${String(error.cause ?? error.message)}`, { key })

/** The store is busy (another process holds the write lock) or failing (disk full, read-only, I/O). */
export class StorageUnavailable extends Error {
  name = 'StorageUnavailable'
  constructor(readonly reason: string, readonly busy: boolean, readonly cause?: unknown) {
    super(`storage unavailable: ${reason}`)
  }
}

/** The database file was deleted or replaced while open: nothing written now would be there after a restart. */
export class DatabaseGone extends StorageUnavailable {
  name = 'DatabaseGone'
  constructor(path: string) {
    super(`the database file ${path} was deleted or replaced while open (SWITCHBOARD_DB); restart to open it again`, false)
  }
}
