import { describe, expect, it } from 'bun:test'
import { EventBus } from '../src/events/bus'
import { EventStore } from '../src/events/event-store'
import { tempDb } from './support/server'
import { makeEvent, type Event } from '../src/protocol/event'

const ev = (i: number) => makeEvent('agent', 'started', { id: `e${i}`, agent_id: 'a' })

function collect(bus: EventBus) {
  const seen: string[] = []
  const stop = bus.listen((e: Event) => seen.push(e.id))
  return { seen, stop }
}

describe('EventBus', () => {
  it('delivers published events to a listener in order', () => {
    const bus = new EventBus()
    const { seen } = collect(bus)
    for (let i = 0; i < 3; i++) bus.publish(ev(i))
    expect(seen).toEqual(['e0', 'e1', 'e2'])
  })
  it('drops an event whose id was seen recently', () => {
    const bus = new EventBus()
    const { seen } = collect(bus)
    expect(bus.publish(ev(1))).toBe(true)
    expect(bus.publish(ev(1))).toBe(false)
    bus.publish(ev(2))
    expect(seen).toEqual(['e1', 'e2'])
  })
  it('forgets old ids beyond its bound, so memory of ids stays bounded', () => {
    const bus = new EventBus({ dedupeSize: 2 })
    bus.publish(ev(1))
    bus.publish(ev(2))
    bus.publish(ev(3))
    expect(bus.publish(ev(1))).toBe(true)
  })
  it('keeps the last 200 events as history, oldest first', () => {
    const bus = new EventBus()
    for (let i = 0; i < 250; i++) bus.publish(ev(i))
    expect(bus.history().length).toBe(200)
    expect(bus.history()[0]!.id).toBe('e50')
    expect(bus.history().at(-1)!.id).toBe('e249')
  })
  it('stops calling a listener once it unsubscribes, and close() drops them all', () => {
    const bus = new EventBus()
    const a = collect(bus)
    const b = collect(bus)
    bus.publish(ev(1))
    a.stop()
    bus.publish(ev(2))
    bus.close()
    bus.publish(ev(3))
    expect(a.seen).toEqual(['e1'])
    expect(b.seen).toEqual(['e1', 'e2'])
  })
})

describe('EventBus past its window of ids, over a real store', () => {
  it('refuses ids stored long ago, asking the store once per batch, and still catches a repeat within the batch', async () => {
    const store = new EventStore(tempDb())
    const bus = new EventBus({ journal: store, dedupeSize: 3 })
    const old = Array.from({ length: 10 }, (_, i) => makeEvent('agent', 'started', { id: `old-${i}`, agent_id: `a${i}` }))
    expect(bus.publishAll(old)).toBe(10)
    await bus.persisted()
    let single = 0
    let batched = 0
    const has = store.has.bind(store)
    const holding = store.holding.bind(store)
    store.has = (id) => (single++, has(id))
    store.holding = (ids) => (batched++, holding(ids))
    const fresh = makeEvent('agent', 'started', { id: 'fresh', agent_id: 'f' })
    // old-0 and old-1 left the window long ago; old-9 is still in it; fresh comes twice.
    expect(bus.publishAll([old[0]!, fresh, old[1]!, old[9]!, fresh])).toBe(1)
    expect(batched).toBe(1)
    expect(single).toBe(0)
    // One at a time, the store is still asked.
    expect(bus.publish(old[2]!)).toBe(false)
    expect(single).toBe(1)
    store.close()
  })
})
