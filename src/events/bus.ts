// EventBus: the only way state enters. Dedupes by id, shows what is stored (listeners hear an event once its commit succeeded), keeps the recent events for late joiners.
import type { Event } from '../protocol/event'
import { logger } from '../telemetry/log'
import { metrics } from '../telemetry/metrics'
import { OnceLog } from '../telemetry/once'
import { withStorage } from '../workspace/storage-retry'

/** What a journal tells the bus about each commit: stored (now show it), or dropped (never shown, not stored). */
export interface JournalWatch {
  stored(batch: readonly Event[]): void
  dropped(batch: readonly Event[]): void
}

export interface BusOptions {
  /** recent events kept for history() */
  replaySize?: number
  /** how many recent ids are remembered for dedupe */
  dedupeSize?: number
  /** where every accepted event is appended (the event store), before any listener sees it */
  journal?: {
    append(event: Event): void
    flushed(): Promise<void>
    has?(id: string): boolean
    /** of these ids, the ones it holds: one question for a batch instead of one per event */
    holding?(ids: readonly string[]): Set<string>
    /** throws (StorageUnavailable) when it cannot take events now */
    assertWritable?(): void
    /**
     * A journal that reports its commits: the bus then shows an event (listeners, history) only once it is
     * stored, and forgets a dropped one, so a 503 means neither stored nor shown. Without it, at once.
     */
    watch?(watch: JournalWatch): void
  }
  /**
   * Several instances on one shared log (REDIS_URL): what is published here goes to the log first and is
   * applied only when the log's reader hands it back through deliver(), so every instance applies every
   * event in the same order. Without one, publish() applies at once.
   */
  relay?: Relay
}

export interface Relay {
  /** throws (StorageUnavailable) when it cannot take the event: nothing is kept then */
  send(event: Event): void
  /** resolves once everything sent so far is in the shared log and delivered back here */
  sent(): Promise<void>
}

/**
 * Checks a batch before the bus takes any of it; a throw refuses the batch whole and reaches the publisher (a 400
 * naming the field, a 409, a 503). The question service's: an agent:blocked becomes its record or is refused.
 */
export type Gate = (events: readonly Event[]) => void

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
  private readonly gates = new Set<Gate>()
  private readonly dropListeners = new Set<(events: readonly Event[]) => void>()
  private readonly journal: BusOptions['journal']
  private readonly relay: Relay | undefined
  /** ids sent to the relay and not yet delivered back: a repeat meanwhile is a duplicate */
  private readonly relaying = new Set<string>()
  /** while publishAll runs: the ids it asked the journal about, and those the journal held */
  private held: { asked: Set<string>; stored: Set<string> } | undefined
  /** true when listeners hear an event once the journal stored it, not when it is taken */
  private readonly showWhenStored: boolean
  private readonly listenerFailed = new OnceLog('a bus listener failed on', logger('events'))

  constructor(options: BusOptions = {}) {
    this.replaySize = options.replaySize ?? 200
    this.dedupeSize = options.dedupeSize ?? 100_000
    this.seenRing = new Array(this.dedupeSize)
    this.journal = options.journal
    this.relay = options.relay
    this.showWhenStored = this.journal?.watch !== undefined
    this.journal?.watch?.({ stored: (batch) => this.show(batch), dropped: (batch) => this.forget(batch) })
  }

  /** After a restart: the stored ids still count as seen, and the newest events are the history. */
  restore(ids: readonly string[], recent: readonly Event[]): void {
    // A full window may not be all there is: older ids are then looked up in the journal.
    if (ids.length >= this.dedupeSize) this.seenAll = false
    for (const id of ids.slice(-this.dedupeSize)) if (!this.seen.has(id)) this.remember(id)
    this.recent.push(...recent.slice(-this.replaySize))
  }

  /** A gate every event passes before it is taken, published here or delivered from the shared log. Returns the removal. */
  gate(gate: Gate): () => void {
    this.gates.add(gate)
    return () => this.gates.delete(gate)
  }

  /** Publish one event; returns false when its id was seen recently (dropped). Throws what a gate refuses it with. */
  publish(event: Event): boolean {
    this.pass([event])
    return this.take(event)
  }

  private take(event: Event): boolean {
    if (!this.relay) return this.apply(event)
    if (this.relaying.has(event.id) || this.isSeen(event.id)) {
      metrics.eventsDuplicate.inc()
      return false
    }
    this.relay.send(event)
    this.relaying.add(event.id)
    return true
  }

  /**
   * Publish a batch in order; returns how many were new. Past the window of ids kept in memory, the
   * journal is asked once about the whole batch rather than once per event (a query per event was a
   * tenth of ingest on a server that had seen more than the window).
   */
  publishAll(events: readonly Event[]): number {
    // All or none: a batch a gate refuses is not taken at all.
    this.pass(events)
    if (!this.seenAll && this.journal?.holding) {
      const asked = new Set(events.map((e) => e.id).filter((id) => !this.seen.has(id)))
      this.held = { asked, stored: this.journal.holding([...asked]) }
    }
    try {
      let accepted = 0
      for (const event of events) if (this.take(event)) accepted++
      return accepted
    } finally {
      this.held = undefined
    }
  }

  /** Apply one event from the shared log; false for a repeat. Throws what a gate refuses it with. */
  deliver(event: Event): boolean {
    this.pass([event])
    return this.apply(event)
  }

  private pass(events: readonly Event[]): void {
    for (const gate of this.gates) gate(events)
  }

  /** Take one event that passed the gates: remembered, journalled, heard; false for a repeat. */
  private apply(event: Event): boolean {
    this.relaying.delete(event.id)
    if (this.isSeen(event.id)) {
      metrics.eventsDuplicate.inc()
      return false
    }
    this.remember(event.id)
    metrics.eventsIngested.inc()
    this.journal?.append(event)
    if (!this.showWhenStored) this.show([event])
    return true
  }

  /**
   * Stored (or no journal to wait for): history and listeners get the events, in order. Shown after the
   * commit rather than before: a commit that failed (disk full) once left actors showing agents the store
   * never held, and a checkpoint taken then kept them past a restart. A listener's failure is its own, one
   * line per incident: it no longer reaches a publisher, whose events are stored by then.
   */
  private show(events: readonly Event[]): void {
    for (const event of events) {
      this.recent.push(event)
      if (this.recent.length > this.replaySize) this.recent.shift()
      for (const listener of this.listeners) {
        try {
          listener(event)
        } catch (error) {
          if (!this.showWhenStored) throw error
          this.listenerFailed.report('an event', error)
        }
      }
    }
  }

  /**
   * The entry of every writer that answers for what it publishes (POST /api/events, OTLP, MCP): refused
   * (StorageUnavailable: a 503 with Retry-After) before any of it is taken while the store cannot take events,
   * then taken and waited for until stored, and only then shown. Bounded: RETRY_FOR_MS waiting for a busy store,
   * then the commit's own budget (BUSY_FOR_MS). Returns how many were new; throws what a gate refuses them with.
   */
  async ingest(events: readonly Event[]): Promise<number> {
    const since = Date.now()
    await this.writable(since)
    const accepted = await withStorage(() => this.publishAll(events), since)
    await this.persisted()
    return accepted
  }

  /**
   * Resolves once the journal can take events, waiting for a busy store until RETRY_FOR_MS after `since`; throws
   * StorageUnavailable otherwise. For writers that publish on their own (MCP report_status) or record first (questions).
   */
  writable(since = Date.now()): Promise<void> {
    return withStorage(() => this.assertWritable(), since)
  }

  /** Resolves once every event published so far is stored (at once without a journal), and in the shared log if there is one. */
  persisted(): Promise<void> {
    const stored = () => this.journal?.flushed() ?? Promise.resolve()
    return this.relay ? this.relay.sent().then(stored) : stored()
  }

  /**
   * Throws StorageUnavailable when the journal cannot take events now. A writer that answers for what it
   * publishes (POST /api/events) asks first: a 503 then means neither stored nor shown.
   */
  assertWritable(): void {
    this.journal?.assertWritable?.()
  }

  /**
   * The journal could not store these after all (it failed, or stayed busy too long): they no longer count
   * as seen, so a writer that sends them again after its 503 has them stored, not called duplicates. Shown
   * only once stored, they were never shown (without a watching journal, history lets them go).
   */
  forget(events: readonly Event[]): void {
    const gone = new Set(events.map((e) => e.id))
    for (const id of gone) this.seen.delete(id)
    // Their ring slots stay until overwritten; an id sent again and evicted early by its old slot is then
    // looked up in the journal (seenAll is false by then), which holds it: still not a second copy.
    const kept = this.recent.filter((e) => !gone.has(e.id))
    this.recent.splice(0, this.recent.length, ...kept)
    for (const listener of this.dropListeners) listener(events)
  }

  /** Told of events taken and then not stored after all (see forget): what a gate wrote for them is undone. Returns the unsubscribe. */
  onDropped(listener: (events: readonly Event[]) => void): () => void {
    this.dropListeners.add(listener)
    return () => this.dropListeners.delete(listener)
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

  // Past the window in memory, the journal still knows every id it holds: the bus and the store agree.
  private isSeen(id: string): boolean {
    if (this.seen.has(id)) return true
    if (this.seenAll) return false
    // An id of the batch was asked about beforehand; one a listener publishes meanwhile is asked now.
    if (this.held?.asked.has(id)) return this.held.stored.has(id)
    return this.journal?.has?.(id) === true
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
