// EventBus: the only way state enters. Dedupes by id, keeps the recent events for late joiners.
import type { Event } from '../protocol/event'
import { metrics } from '../telemetry/metrics'

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
  private readonly journal: BusOptions['journal']
  private readonly relay: Relay | undefined
  /** ids sent to the relay and not yet delivered back: a repeat meanwhile is a duplicate */
  private readonly relaying = new Set<string>()
  /** while publishAll runs: the ids it asked the journal about, and those the journal held */
  private held: { asked: Set<string>; stored: Set<string> } | undefined

  constructor(options: BusOptions = {}) {
    this.replaySize = options.replaySize ?? 200
    this.dedupeSize = options.dedupeSize ?? 100_000
    this.seenRing = new Array(this.dedupeSize)
    this.journal = options.journal
    this.relay = options.relay
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
    this.recent.push(event)
    if (this.recent.length > this.replaySize) this.recent.shift()
    for (const listener of this.listeners) listener(event)
    return true
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
   * as seen, so a writer that sends them again after its 503 has them stored, not called duplicates.
   */
  forget(events: readonly Event[]): void {
    const gone = new Set(events.map((e) => e.id))
    for (const id of gone) this.seen.delete(id)
    // Their ring slots stay until overwritten; an id sent again and evicted early by its old slot is then
    // looked up in the journal (seenAll is false by then), which holds it: still not a second copy.
    const kept = this.recent.filter((e) => !gone.has(e.id))
    this.recent.splice(0, this.recent.length, ...kept)
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
