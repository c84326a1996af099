// EventBus: the only way state enters. Dedupes by id, keeps the recent events for late joiners.
import type { Event } from '../protocol/event'
import { metrics } from '../telemetry/metrics'

export interface BusOptions {
  /** recent events kept for history() */
  replaySize?: number
  /** how many recent ids are remembered for dedupe */
  dedupeSize?: number
  /** where every accepted event is appended (the event store), before any listener sees it */
  journal?: { append(event: Event): void; flushed(): Promise<void>; has?(id: string): boolean }
}

export class EventBus {
  readonly replaySize: number
  private readonly dedupeSize: number
  private readonly recent: Event[] = []
  private readonly seen = new Set<string>()
  /** ring of the remembered ids, oldest overwritten first: O(1) per publish */
  private readonly seenRing: Array<string | undefined>
  private seenPos = 0
  /** false once an id may have left the ring: only then is the journal asked about ids not in it */
  private seenAll = true
  private readonly listeners = new Set<(e: Event) => void>()
  private readonly journal: BusOptions['journal']

  constructor(options: BusOptions = {}) {
    this.replaySize = options.replaySize ?? 200
    this.dedupeSize = options.dedupeSize ?? 100_000
    this.seenRing = new Array(this.dedupeSize)
    this.journal = options.journal
  }

  /** After a restart: the stored ids still count as seen, and the newest events are the history. */
  restore(ids: readonly string[], recent: readonly Event[]): void {
    // A full window may not be all there is: older ids are then looked up in the journal.
    if (ids.length >= this.dedupeSize) this.seenAll = false
    for (const id of ids.slice(-this.dedupeSize)) if (!this.seen.has(id)) this.remember(id)
    this.recent.push(...recent.slice(-this.replaySize))
  }

  /** Publish one event; returns false when its id was seen recently (dropped). */
  publish(event: Event): boolean {
    // Past the window in memory, the journal still knows every id it holds: the bus and the store agree.
    if (this.seen.has(event.id) || (!this.seenAll && this.journal?.has?.(event.id))) {
      metrics.eventsDuplicate.inc()
      return false
    }
    this.remember(event.id)
    metrics.eventsIngested.inc()
    this.journal?.append(event)
    this.recent.push(event)
    if (this.recent.length > this.replaySize) this.recent.shift()
    for (const listener of this.listeners) listener(event)
    return true
  }

  /** Resolves once every event published so far is stored (at once without a journal). */
  persisted(): Promise<void> {
    return this.journal?.flushed() ?? Promise.resolve()
  }

  /** Synchronous listener, for actors and services that must see every event in order. Returns the unsubscribe. */
  listen(listener: (e: Event) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The retained recent events, oldest first. */
  history(): readonly Event[] {
    return this.recent
  }

  close(): void {
    this.listeners.clear()
  }

  private remember(id: string) {
    const evicted = this.seenRing[this.seenPos]
    if (evicted !== undefined) {
      this.seen.delete(evicted)
      this.seenAll = false
    }
    this.seenRing[this.seenPos] = id
    this.seenPos = (this.seenPos + 1) % this.dedupeSize
    this.seen.add(id)
  }
}
