// Delivers events to POST /api/events: batched, bounded, retried with backoff, never duplicated.
//
// Events carry their ids from the moment they are made, and a retried batch is the same array,
// so a request the server received but whose answer was lost is deduplicated by the bus (by id)
// instead of showing twice on the dashboard.
import { routes } from '../protocol/routes.ts'
import type { Event } from '../protocol/event.ts'
import { raceAbort, sleep } from './abortable.ts'
import { backoffDelay, type BackoffOptions } from './backoff.ts'
import { ClientClosed, type SwitchboardHttpError } from './errors.ts'
import type { Transport } from './transport.ts'

export interface SenderOptions {
  flushMs: number
  maxBatch: number
  /** queued events beyond this drop the oldest (counted in `dropped`); a batch in flight is extra, at most maxBatch */
  maxBuffer: number
  backoff?: BackoffOptions
  onError: (error: SwitchboardHttpError, batch: readonly Event[]) => void
}

const INGEST = routes.ingest

export class EventSender {
  /** events lost: overflowed the buffer, or still unsent when close() gave up */
  dropped = 0
  /** events the server refused (4xx), reported through onError */
  rejected = 0
  private queue: Event[] = []
  private inflight: readonly Event[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  private running: Promise<void> | undefined
  private closing = false
  private readonly stop = new AbortController()

  constructor(private readonly transport: Transport, private readonly opts: SenderOptions) {}

  /** Queue one event; it leaves within flushMs, or at once when a full batch is waiting. */
  enqueue(event: Event): void {
    if (this.closing) {
      this.dropped++
      return
    }
    this.queue.push(event)
    // Drop oldest, not newest: the latest state (completed, blocked) matters more than old tool chatter.
    const over = this.queue.length - this.opts.maxBuffer
    if (over > 0) {
      this.queue.splice(0, over)
      this.dropped += over
    }
    if (this.queue.length >= this.opts.maxBatch) this.kick()
    else if (!this.timer && !this.running) this.timer = setTimeout(() => this.kick(), this.opts.flushMs)
  }

  /** Resolves once every event queued so far is delivered, refused or dropped (waits through retries). */
  async flush(signal?: AbortSignal): Promise<void> {
    while (this.queue.length > 0 || this.running) {
      this.kick()
      await raceAbort(this.running!, signal)
    }
  }

  /** Flush for up to timeoutMs, then stop retrying; what is still unsent counts as dropped. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closing) return
    this.closing = true
    const giveUp = AbortSignal.timeout(timeoutMs)
    try {
      await this.flush(giveUp)
    } catch (error) {
      if (!giveUp.aborted) throw error
    }
    this.stop.abort(new ClientClosed())
    clearTimeout(this.timer)
    await this.running
    this.dropped += this.queue.length
    this.queue = []
  }

  private kick(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    if (this.running || this.queue.length === 0) return
    this.running = this.drain()
      .catch((error) => {
        // Only close() stops a drain (by aborting its retries); anything else is a bug worth seeing.
        if (!this.stop.signal.aborted) console.error('[switchboard] event sender stopped:', error)
      })
      .finally(() => {
        this.running = undefined
        if (this.queue.length > 0 && !this.stop.signal.aborted) this.kick()
      })
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      this.inflight = this.queue.splice(0, this.opts.maxBatch)
      try {
        await this.deliver(this.inflight)
      } catch (error) {
        this.dropped += this.inflight.length
        throw error
      } finally {
        this.inflight = []
      }
    }
  }

  /** Send one batch until the server takes it or refuses it for good. */
  private async deliver(batch: readonly Event[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.transport.send('POST', INGEST, batch, this.stop.signal)
      if (outcome.kind === 'ok') return
      if (outcome.kind === 'fatal') {
        // Over the ingest size limit: halves will fit, so split rather than lose the batch.
        if (outcome.error.status === 413 && batch.length > 1) {
          const half = Math.ceil(batch.length / 2)
          await this.deliver(batch.slice(0, half))
          return this.deliver(batch.slice(half))
        }
        // Any other 4xx (bad event, wrong token) fails the same way on every retry, and retrying
        // would hold back every later event forever; so report it and move on.
        this.rejected += batch.length
        this.report(outcome.error, batch)
        return
      }
      await sleep(backoffDelay(attempt, this.opts.backoff), this.stop.signal)
    }
  }

  /** A throwing onError must not stop delivery of the events behind this batch. */
  private report(error: SwitchboardHttpError, batch: readonly Event[]): void {
    try {
      this.opts.onError(error, batch)
    } catch (thrown) {
      console.error('[switchboard] onError threw:', thrown)
    }
  }
}
