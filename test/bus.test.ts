import { describe, expect, it } from 'bun:test'
import { EventBus } from '../src/events/bus'
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
