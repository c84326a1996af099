// The bus's way to the shared log and back: what this instance publishes is appended to the stream in batches;
// a reader applies the stream, its own appends included, to the local bus in stream order.
import type { EventBus, Relay } from '../events/bus'
import type { EventStore } from '../events/event-store'
import { validateEvent, type Event } from '../protocol/event'
import { logger } from '../telemetry/log'
import { StorageUnavailable } from '../workspace/workspace'
import { compareIds, type RedisLog } from './redis-log'

const log = logger('cluster')
/** the local store's note of how far this instance has read the stream */
export const POSITION = 'redis-stream'
const BATCH = 500
const READ_COUNT = 1_000
const READ_BLOCK_MS = 1_000
const RETRY_MS = 250
/** a write waits this long for the stream before it is answered 503 (its events still go out when Redis is back) */
const SENT_DEADLINE_MS = 2_500
/** events kept while Redis is away, to go out once it is back; past this a write is refused (503) and not kept */
export const MAX_QUEUED = 20_000

/** The relay's timers (the write deadline, the retries): the system's, or a clock a test moves by hand. */
export interface RelayTimers {
  setTimeout(run: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  sleep(ms: number): Promise<void>
}

const SYSTEM_TIMERS: RelayTimers = {
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  sleep: (ms) => Bun.sleep(ms),
}

interface Wait {
  seq: number
  /** the stream id to be read back before the wait is over, once its events are appended */
  until?: string
  resolve: () => void
  reject: (error: unknown) => void
  timer: unknown
}

export class ClusterRelay implements Relay {
  private queue: Event[] = []
  private flushing = false
  private queued = 0
  private appended = 0
  private lastAppended = '0-0'
  private position = '0-0'
  private waits: Wait[] = []
  private stopped = false
  private problem: string | undefined
  private reading: Promise<void> | undefined

  constructor(
    private readonly redis: RedisLog,
    private readonly maxQueued = MAX_QUEUED,
    private readonly timers: RelayTimers = SYSTEM_TIMERS,
  ) {}

  send(event: Event): void {
    if (this.queue.length >= this.maxQueued)
      throw new StorageUnavailable(`redis: ${this.queue.length} events already wait for the shared event log (${this.problem ?? 'slow to confirm'}); not taken`, false)
    this.queue.push(event)
    this.queued++
    if (!this.flushing) queueMicrotask(() => void this.flush())
  }

  sent(): Promise<void> {
    if (this.appended >= this.queued && compareIds(this.position, this.lastAppended) >= 0) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const wait: Wait = { seq: this.queued, resolve, reject, timer: this.timers.setTimeout(() => this.expire(wait), SENT_DEADLINE_MS) }
      if (this.appended >= wait.seq) wait.until = this.lastAppended
      this.waits.push(wait)
    })
  }

  /** Read what the stream holds past this instance's stored position, up to its end (before serving). */
  async catchUp(bus: EventBus, store: EventStore): Promise<number> {
    this.position = store.loadCheckpoint(POSITION)?.body ?? '0-0'
    const first = await this.redis.first()
    if (first && this.position !== '0-0' && compareIds(first, this.position) > 0)
      log.warn(`the stream was trimmed past this instance's position ${this.position} (oldest kept: ${first}): events between may be missing here`)
    let total = 0
    for (;;) {
      const entries = await this.redis.read(this.position, READ_COUNT, 0)
      total += this.apply(entries, bus, store)
      if (entries.length < READ_COUNT) return total
    }
  }

  /** Follow the stream until stop(): every instance's events, this one's included, reach the bus here. */
  follow(bus: EventBus, store: EventStore): void {
    this.reading ??= (async () => {
      while (!this.stopped) {
        try {
          this.apply(await this.redis.read(this.position, READ_COUNT, READ_BLOCK_MS), bus, store)
          this.recovered()
        } catch (error) {
          if (this.stopped) return
          this.report(error)
          await this.timers.sleep(RETRY_MS)
        }
      }
    })()
  }

  async stop(): Promise<void> {
    this.stopped = true
    for (const w of this.waits.splice(0)) (this.timers.clearTimeout(w.timer), w.reject(new StorageUnavailable('stopping', false)))
  }

  private apply(entries: ReadonlyArray<{ id: string; body: unknown }>, bus: EventBus, store: EventStore): number {
    if (!entries.length) return 0
    for (const { id, body } of entries) {
      const event = parse(body)
      if (event) deliver(bus, id, event)
      else log.warn(`skipping stream entry ${id}: not an event`)
      this.position = id
    }
    const at = this.position
    // Saved only once the local store holds what was read: a restart re-reads at most a little (deduped by id).
    store
      .flushed()
      .then(() => store.saveCheckpoint(POSITION, 0, at))
      .catch((error) => log.warn(`cannot note the stream position (the next batch will): ${String(error)}`))
    this.settle()
    return entries.length
  }

  private async flush(): Promise<void> {
    if (this.flushing) return
    this.flushing = true
    try {
      while (this.queue.length && !this.stopped) {
        const batch = this.queue.slice(0, BATCH)
        try {
          this.lastAppended = await this.redis.append(batch)
          this.recovered()
        } catch (error) {
          this.report(error)
          // Whoever waits hears now (503, Retry-After); the events stay queued and go out once Redis is back.
          for (const w of this.waits.splice(0)) this.fail(w)
          await this.timers.sleep(RETRY_MS)
          continue
        }
        this.queue.splice(0, batch.length)
        this.appended += batch.length
        for (const w of this.waits) if (w.until === undefined && w.seq <= this.appended) w.until = this.lastAppended
        this.settle()
      }
    } finally {
      this.flushing = false
    }
  }

  private settle(): void {
    this.waits = this.waits.filter((w) => {
      if (w.until === undefined || compareIds(this.position, w.until) < 0) return true
      this.timers.clearTimeout(w.timer)
      w.resolve()
      return false
    })
  }

  private expire(wait: Wait): void {
    this.waits = this.waits.filter((w) => w !== wait)
    this.fail(wait)
  }

  private fail(wait: Wait): void {
    this.timers.clearTimeout(wait.timer)
    wait.reject(new StorageUnavailable(`redis: ${this.problem ?? 'the shared event log did not confirm in time'}`, false))
  }

  private report(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error)
    if (this.problem === undefined) log.warn(`shared event log unavailable: ${reason}; retrying`, { incident: 'start', reason })
    this.problem = reason
  }

  private recovered(): void {
    if (this.problem === undefined) return
    log.info(`shared event log available again after: ${this.problem}`, { incident: 'end' })
    this.problem = undefined
  }
}

/**
 * An entry the gate refuses (an agent:blocked another writer appended that no instance could answer) is skipped
 * with one line, here as on every instance; a store that cannot take it now is thrown, so the entry is read again.
 */
function deliver(bus: EventBus, id: string, event: Event): void {
  try {
    bus.deliver(event)
  } catch (error) {
    if (error instanceof StorageUnavailable) throw error
    log.warn(`skipping stream entry ${id}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function parse(body: unknown): Event | undefined {
  if (typeof body !== 'string') return undefined
  try {
    const r = validateEvent(JSON.parse(body))
    return r.ok ? r.event : undefined
  } catch {
    return undefined // not JSON: reported by the caller as not an event
  }
}
