import { describe, expect, it } from 'bun:test'
import { EventBus, SubscriptionOverflow } from '../src/events/bus'
import { makeEvent, type Event } from '../src/events/event'

const ev = (i: number, category: 'agent' | 'tool' = 'agent') =>
  category === 'agent'
    ? makeEvent('agent', 'started', { id: `e${i}`, agent_id: 'a' })
    : makeEvent('tool', 'called', { id: `t${i}`, agent_id: 'a', payload: { tool: 'ruff' } })

async function take(it: AsyncIterator<Event>, n: number) {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const r = await it.next()
    if (r.done) break
    out.push(r.value.id)
  }
  return out
}

describe('EventBus', () => {
  it('delivers published events to a subscriber in order', async () => {
    const bus = new EventBus()
    const sub = bus.subscribe()
    for (let i = 0; i < 3; i++) bus.publish(ev(i))
    expect(await take(sub, 3)).toEqual(['e0', 'e1', 'e2'])
  })
  it('drops an event whose id was seen recently', async () => {
    const bus = new EventBus()
    const sub = bus.subscribe()
    expect(bus.publish(ev(1))).toBe(true)
    expect(bus.publish(ev(1))).toBe(false)
    bus.publish(ev(2))
    expect(await take(sub, 2)).toEqual(['e1', 'e2'])
  })
  it('forgets old ids beyond its bound, so memory of ids stays bounded', () => {
    const bus = new EventBus({ dedupeSize: 2 })
    bus.publish(ev(1))
    bus.publish(ev(2))
    bus.publish(ev(3))
    expect(bus.publish(ev(1))).toBe(true)
  })
  it('filters by category', async () => {
    const bus = new EventBus()
    const sub = bus.subscribe({ categories: ['tool'] })
    bus.publish(ev(1))
    bus.publish(ev(2, 'tool'))
    expect(await take(sub, 1)).toEqual(['t2'])
  })
  it('replays the last 200 events to a subscriber that asks', async () => {
    const bus = new EventBus()
    for (let i = 0; i < 250; i++) bus.publish(ev(i))
    const sub = bus.subscribe({ replay: true })
    const got = await take(sub, 200)
    expect(got[0]).toBe('e50')
    expect(got.at(-1)).toBe('e249')
    expect(bus.history().length).toBe(200)
  })
  it('ends a subscriber that never reads at its bound while another receives every event', async () => {
    const bus = new EventBus()
    const stalled = bus.subscribe({ queueSize: 10 })
    const reader = bus.subscribe({ queueSize: 10 })
    const received: string[] = []
    const reading = (async () => {
      for await (const e of reader) {
        received.push(e.id)
        if (received.length === 100) break
      }
    })()
    for (let i = 0; i < 100; i++) {
      bus.publish(ev(i))
      await Promise.resolve()
    }
    await reading
    expect(received.length).toBe(100)
    expect(stalled.endReason).toBeInstanceOf(SubscriptionOverflow)
    expect(await stalled.next()).toEqual({ value: undefined, done: true })
    expect(bus.subscriberCount).toBe(0)
  })
  it('frees the subscription on break', async () => {
    const bus = new EventBus()
    const sub = bus.subscribe()
    bus.publish(ev(1))
    for await (const _ of sub) break
    expect(bus.subscriberCount).toBe(0)
    expect(sub.endReason).toBe('closed')
  })
  it('ends a waiting reader when the subscription is closed', async () => {
    const bus = new EventBus()
    const sub = bus.subscribe()
    const pending = sub.next()
    sub.close()
    expect(await pending).toEqual({ value: undefined, done: true })
  })
})
