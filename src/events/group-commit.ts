// Group commit: events appended within a tick are written in one transaction; a busy file is retried for a bounded time.
import type { Event } from '../protocol/event'
import { StorageUnavailable } from '../workspace/workspace'

/** Time as the store sees it: injected by tests, so that they run out the busy budget without waiting it out. */
export interface StoreClock {
  now(): number
  later(fn: () => void, ms: number): unknown
  cancel(handle: unknown): void
}

const REAL_CLOCK: StoreClock = {
  now: () => Date.now(),
  later: (fn, ms) => setTimeout(fn, ms),
  cancel: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/**
 * How long a commit is retried while another process holds the write lock before the writes waiting on
 * it fail (StorageUnavailable: a 503 with Retry-After). Every write answers within about 3 s (DESIGN.md):
 * POST /api/events first waits up to about 2 s for the lock (server/storage-retry.ts), so a lock taken
 * just after that leaves this second. It retried every 20 ms forever: under a lock that never cleared,
 * every write hung.
 */
export const BUSY_FOR_MS = 1_000
const BUSY_RETRY_MS = 20

export interface GroupCommitOptions {
  /** how long appended events wait to be committed together; default: the next tick */
  flushMs?: number
  busyForMs?: number
  clock?: StoreClock
  /** writes one batch in one transaction; throws StorageUnavailable (busy or not) when it cannot */
  write: (batch: readonly Event[]) => void
  /** the batch is stored (before the writers waiting on it hear so) */
  committed: (batch: readonly Event[]) => void
  /** a batch given up, and why: not stored, and not kept for a later commit either */
  dropped: (batch: readonly Event[], error: unknown) => void
}

type Waiter = { resolve: () => void; reject: (e: unknown) => void }

export class GroupCommit {
  private buffer: Event[] = []
  private waiting: Waiter[] = []
  private timer: unknown
  /** when the batch being retried first met a busy store */
  private busySince: number | undefined
  private readonly flushMs: number
  private readonly busyForMs: number
  private readonly clock: StoreClock

  constructor(private readonly options: GroupCommitOptions) {
    this.flushMs = options.flushMs ?? 0
    this.busyForMs = options.busyForMs ?? BUSY_FOR_MS
    this.clock = options.clock ?? REAL_CLOCK
  }

  append(event: Event): void {
    this.buffer.push(event)
    this.timer ??= this.clock.later(() => this.commitSafely(), this.flushMs)
  }

  flushed(): Promise<void> {
    if (!this.buffer.length) return Promise.resolve()
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  /** Commit what is buffered now; throws what the write throws, the batch kept (the timer's retry, or shutdown, decides). */
  commit(): void {
    if (this.timer !== undefined) this.clock.cancel(this.timer)
    this.timer = undefined
    if (!this.buffer.length) return
    const { buffer, waiting } = this
    this.options.write(buffer)
    this.buffer = []
    this.waiting = []
    this.busySince = undefined
    this.options.committed(buffer)
    for (const w of waiting) w.resolve()
  }

  /** Commit what is buffered now, or fail its writers (shutdown: there is no later try). */
  commitOrDrop(): void {
    try {
      this.commit()
    } catch (error) {
      this.drop(error)
    }
  }

  private commitSafely(): void {
    try {
      this.commit()
    } catch (error) {
      // Busy: keep the batch and try again shortly, for a while; failing, or busy for too long: give it up.
      if (error instanceof StorageUnavailable && error.busy) {
        const now = this.clock.now()
        this.busySince ??= now
        if (now - this.busySince < this.busyForMs) {
          this.timer = this.clock.later(() => this.commitSafely(), BUSY_RETRY_MS)
          return
        }
      }
      this.drop(error)
    }
  }

  /** The writers are told (a 503); the writer may send the batch again, so it is not kept. */
  private drop(error: unknown): void {
    const { buffer, waiting } = this
    this.buffer = []
    this.waiting = []
    this.busySince = undefined
    this.options.dropped(buffer, error)
    for (const w of waiting) w.reject(error)
  }
}
