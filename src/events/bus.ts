// EventBus: the only way state enters. Dedupes by id, keeps a replay ring, bounded per-subscriber queues.
import type { Category, Event } from './event'

export interface SubscribeOptions {
  categories?: readonly Category[]
  /** deliver the retained recent events (up to `replaySize`) before live ones */
  replay?: boolean
  /** max undelivered events before this subscriber is ended; default 1,000 */
  queueSize?: number
}

export interface BusOptions {
  replaySize?: number
  /** how many recent ids are remembered for dedupe */
  dedupeSize?: number
}

export class SubscriptionOverflow extends Error {
  constructor(readonly limit: number) {
    super(`subscriber fell ${limit} events behind and was ended`)
    this.name = 'SubscriptionOverflow'
  }
}

export interface Subscription extends AsyncIterableIterator<Event> {
  /** set once the subscription has ended: 'closed' by the caller or the bus, or an overflow */
  readonly endReason: 'closed' | SubscriptionOverflow | undefined
  close(): void
}

export class EventBus {
  readonly replaySize: number
  private readonly dedupeSize: number
  private readonly recent: Event[] = []
  private readonly seen = new Set<string>()
  /** ring of the remembered ids, oldest overwritten first: O(1) per publish */
  private readonly seenRing: Array<string | undefined>
  private seenPos = 0
  private readonly subscribers = new Set<Sub>()
  private readonly listeners = new Set<(e: Event) => void>()

  constructor(options: BusOptions = {}) {
    this.replaySize = options.replaySize ?? 200
    this.dedupeSize = options.dedupeSize ?? 10_000
    this.seenRing = new Array(this.dedupeSize)
  }

  /** Publish one event; returns false when its id was seen recently (dropped). */
  publish(event: Event): boolean {
    if (this.seen.has(event.id)) return false
    this.remember(event.id)
    this.recent.push(event)
    if (this.recent.length > this.replaySize) this.recent.shift()
    for (const listener of this.listeners) listener(event)
    for (const sub of this.subscribers) sub.offer(event)
    return true
  }

  /** Synchronous listener, for actors that must see every event in order. Returns the unsubscribe. */
  listen(listener: (e: Event) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    const sub = new Sub(options, (s) => this.subscribers.delete(s))
    if (options.replay) for (const e of this.recent) sub.offer(e)
    this.subscribers.add(sub)
    return sub
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  /** The retained recent events, oldest first. */
  history(): readonly Event[] {
    return this.recent
  }

  close(): void {
    for (const sub of [...this.subscribers]) sub.close()
    this.listeners.clear()
  }

  private remember(id: string) {
    const evicted = this.seenRing[this.seenPos]
    if (evicted !== undefined) this.seen.delete(evicted)
    this.seenRing[this.seenPos] = id
    this.seenPos = (this.seenPos + 1) % this.dedupeSize
    this.seen.add(id)
  }
}

class Sub implements Subscription {
  endReason: Subscription['endReason']
  private readonly queue: Event[] = []
  private readonly limit: number
  private readonly categories?: ReadonlySet<Category>
  private waiter?: (r: IteratorResult<Event>) => void

  constructor(options: SubscribeOptions, private readonly onEnd: (s: Sub) => void) {
    this.limit = options.queueSize ?? 1_000
    if (options.categories) this.categories = new Set(options.categories)
  }

  offer(event: Event) {
    if (this.endReason) return
    if (this.categories && !this.categories.has(event.category)) return
    if (this.waiter) {
      const w = this.waiter
      this.waiter = undefined
      w({ value: event, done: false })
      return
    }
    if (this.queue.length >= this.limit) return this.end(new SubscriptionOverflow(this.limit))
    this.queue.push(event)
  }

  next(): Promise<IteratorResult<Event>> {
    const event = this.queue.shift()
    if (event) return Promise.resolve({ value: event, done: false })
    if (this.endReason) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve) => (this.waiter = resolve))
  }

  return(): Promise<IteratorResult<Event>> {
    this.close()
    return Promise.resolve({ value: undefined, done: true })
  }

  close() {
    this.end('closed')
  }

  [Symbol.asyncIterator]() {
    return this
  }

  private end(reason: 'closed' | SubscriptionOverflow) {
    if (this.endReason) return
    this.endReason = reason
    // An overflowed subscriber's backlog is dropped: memory is freed at once.
    if (reason !== 'closed') this.queue.length = 0
    this.onEnd(this)
    const w = this.waiter
    this.waiter = undefined
    w?.({ value: undefined, done: true })
  }
}
