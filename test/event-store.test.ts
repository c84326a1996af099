// The event store and the durable bus over real SQLite files: group commit, dedupe across reopen,
// paging, queries, retention that never outruns the checkpoint, checkpoints that replay the same state.
import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus } from '../src/events/bus'
import { openDurableBus } from '../src/events/durable'
import { BUSY_FOR_MS, EventStore } from '../src/events/event-store'
import { StorageUnavailable } from '../src/workspace/workspace'
import { startDashboard } from '../src/machines/dashboard'
import { makeEvent, type Event } from '../src/protocol/event'
import { deriveAll } from '../src/view-model/derive'

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'switchboard-store-')), 's.db')
let n = 0
const ev = (fields: Partial<Event> = {}, action = 'called') =>
  makeEvent(action === 'called' ? 'tool' : 'agent', action, { id: `e-${++n}`, timestamp: 1_764_057_600_000 + n, agent_id: 'a', payload: { tool: 't' }, ...fields })

describe('EventStore', () => {
  it('commits what was appended in one transaction per tick, and flushed() waits for it', async () => {
    const store = new EventStore(tempDb())
    for (let i = 0; i < 100; i++) store.append(ev())
    expect(store.count()).toBe(0)
    await store.flushed()
    expect(store.count()).toBe(100)
    store.close()
  })

  it('ignores an id it already holds, across a reopen', async () => {
    const path = tempDb()
    const first = new EventStore(path)
    const e = ev()
    first.append(e)
    first.close()
    const second = new EventStore(path)
    second.append(e)
    second.append(ev())
    await second.flushed()
    expect(second.count()).toBe(2)
    expect(second.recentIds(10)).toEqual([e.id, `e-${n}`])
    second.close()
  })

  it('reads back in order, page by page, skipping a row that no longer parses', async () => {
    const path = tempDb()
    const store = new EventStore(path)
    const all = Array.from({ length: 25 }, () => ev())
    for (const e of all) store.append(e)
    await store.flushed()
    new Database(path).query("UPDATE events SET body = '{broken' WHERE seq = 3").run()
    const warned: number[] = []
    const reread = new EventStore(path, { onBadRow: (seq) => warned.push(seq) })
    expect([...reread.after(0, 10)].map((s) => s.event.id)).toEqual(all.filter((_, i) => i !== 2).map((e) => e.id))
    expect(warned).toEqual([3])
    expect(reread.tail(2).map((s) => s.event.id)).toEqual([all[23]!.id, all[24]!.id])
    store.close()
    reread.close()
  })

  it('queries by graph, agent, kind, text and position', async () => {
    const store = new EventStore(tempDb())
    store.append(ev({ agent_id: 'x', graph_id: 'g1', payload: { tool: 'ruff', args: 'Needle in here' } }))
    store.append(ev({ agent_id: 'y', graph_id: 'g2' }))
    store.append(ev({ agent_id: 'x', graph_id: 'g1', payload: { error: 'boom' } }, 'failed'))
    await store.flushed()
    const ids = (q: Parameters<EventStore['query']>[0]) => store.query(q).map((s) => s.event.id)
    const [a, b, c] = [`e-${n - 2}`, `e-${n - 1}`, `e-${n}`]
    expect(ids({ graph_id: 'g1', limit: 10 })).toEqual([a, c])
    expect(ids({ agent_id: 'y', limit: 10 })).toEqual([b])
    expect(ids({ kind: 'agent:failed', limit: 10 })).toEqual([c])
    expect(ids({ text: 'needle', limit: 10 })).toEqual([a])
    expect(ids({ after: store.query({ limit: 1 })[0]!.seq, limit: 1 })).toEqual([b])
    expect(ids({ limit: 2, order: 'desc' })).toEqual([c, b])
    store.close()
  })

  it('prunes an old event by its own age, not everything stored before it', async () => {
    const store = new EventStore(tempDb())
    store.append(ev())
    store.append(ev({ timestamp: 1_000_000_000_000 }))
    store.append(ev())
    await store.flushed()
    expect(store.prune({ before: 1_500_000_000_000, keep: 1_000, upTo: store.lastSeq() })).toBe(1)
    expect(store.count()).toBe(2)
    store.close()
  })

  it('prunes by count and by age, in chunks, never past the checkpoint replay starts from', async () => {
    const store = new EventStore(tempDb())
    for (let i = 0; i < 50; i++) store.append(ev())
    await store.flushed()
    expect(store.prune({ before: 0, keep: 10, upTo: 20, chunk: 100 })).toBe(20)
    expect(store.prune({ before: 0, keep: 10, upTo: 100, chunk: 15 })).toBe(15)
    expect(store.prune({ before: 0, keep: 10, upTo: 100, chunk: 15 })).toBe(5)
    expect(store.count()).toBe(10)
    expect(store.prune({ before: Number.MAX_SAFE_INTEGER, keep: 1_000, upTo: store.lastSeq() - 3 })).toBe(7)
    expect(store.count()).toBe(3)
    store.close()
  })
})

describe('the durable bus', () => {
  it('counts an id as a duplicate past the ids it keeps in memory, because the store still holds it', async () => {
    const store = new EventStore(tempDb())
    const bus = new EventBus({ journal: store, dedupeSize: 2 })
    const first = ev()
    for (const e of [first, ev(), ev(), ev()]) bus.publish(e)
    await bus.persisted()
    expect(bus.publish(first)).toBe(false)
    store.close()
  })

  const run = (bus: { publish(e: Event): boolean }, count: number) => {
    bus.publish(makeEvent('graph', 'started', { graph_id: 'g', payload: { agents: [{ agent_id: 'a', name: 'A' }, { agent_id: '__proto__' }] } }))
    bus.publish(ev({}, 'started'))
    for (let i = 0; i < count; i++) bus.publish(ev())
  }
  const view = (d: ReturnType<typeof startDashboard>) => JSON.stringify(deriveAll(d, [], 0))

  it('checkpoints every N events and restarts from a checkpoint plus the events after it to the same view', async () => {
    const path = tempDb()
    const first = openDurableBus(path, undefined, 100)
    const d1 = startDashboard(first.bus, { restore: first.restore })
    first.start(() => d1.checkpoint())
    for (let round = 0; round < 5; round++) {
      run(first.bus, 60)
      await first.bus.persisted()
    }
    const before = view(d1)
    const lastId = `e-${n}`
    // A crash: no close(), so no final checkpoint; the events after the last one are replayed.
    d1.stop()
    const second = openDurableBus(path, undefined, 100)
    // Restored from the older slot: at least half an interval of events is replayed.
    expect(second.restore.checkpoint).toBeDefined()
    const d2 = startDashboard(second.bus, { restore: second.restore })
    expect(view(d2)).toBe(before)
    expect(second.bus.publish(ev({ id: lastId }))).toBe(false)
    d2.stop()
    second.close()
  })

  it('spaces checkpoints with the number of actors, so each costs the same per event whatever the swarm', async () => {
    const path = tempDb()
    const durable = openDurableBus(path, undefined, 100)
    const dashboard = startDashboard(durable.bus, { restore: durable.restore })
    let written = 0
    durable.start(() => (written++, dashboard.checkpoint()), () => dashboard.agents.size)
    // in commits of 50, so that a checkpoint could fall due after any of them
    const publishAll = async (events: Event[]) => {
      for (let i = 0; i < events.length; i += 50) {
        for (const e of events.slice(i, i + 50)) durable.bus.publish(e)
        await durable.bus.persisted()
      }
    }
    // 300 agents: a checkpoint every 600 events, not every 100.
    await publishAll(Array.from({ length: 300 }, (_, i) => makeEvent('agent', 'started', { agent_id: `w-${i}` })))
    const afterAgents = written
    await publishAll(Array.from({ length: 1_200 }, (_, i) => makeEvent('tool', 'called', { agent_id: `w-${i % 300}`, payload: { tool: 't' } })))
    expect(written - afterAgents).toBeGreaterThanOrEqual(1)
    expect(written - afterAgents).toBeLessThanOrEqual(2)
    dashboard.stop()
    durable.close()
  })

  it('replays everything when the checkpoint cannot be used', async () => {
    const path = tempDb()
    const first = openDurableBus(path, undefined, 50)
    const d1 = startDashboard(first.bus, { restore: first.restore })
    first.start(() => d1.checkpoint())
    run(first.bus, 120)
    await first.bus.persisted()
    const before = view(d1)
    d1.stop()
    first.close()
    new Database(path).query("UPDATE checkpoints SET body = '{\"status\":\"active\",\"context\":{}}'").run()
    const second = openDurableBus(path, undefined, 50)
    const d2 = startDashboard(second.bus, { restore: second.restore })
    expect(view(d2)).toBe(before)
    d2.stop()
    second.close()
  })
})

/** Time the test moves: each step runs what fell due, so a 2 s budget runs out in a few steps, not in 2 s. */
function steppedClock() {
  let t = 0
  let next = 0
  const due = new Map<number, { at: number; fn: () => void }>()
  return {
    now: () => t,
    later: (fn: () => void, ms: number) => (due.set(++next, { at: t + ms, fn }), next),
    cancel: (handle: unknown) => void due.delete(handle as number),
    pending: () => due.size,
    /** move to `to` ms and run whatever is due by then, earliest first */
    advance(to: number) {
      t = to
      for (;;) {
        const [handle, first] = [...due].filter(([, d]) => d.at <= t).sort(([, a], [, b]) => a.at - b.at)[0] ?? []
        if (handle === undefined) return
        due.delete(handle)
        first!.fn()
      }
    },
  }
}

describe('a busy event store', () => {
  const outcome = (p: Promise<void>) => p.then(() => 'stored', (error: unknown) => error)

  it('retries a commit for a bounded time, then fails the waiting writes with StorageUnavailable and keeps nothing', async () => {
    const path = tempDb()
    const clock = steppedClock()
    const durable = openDurableBus(path, undefined, undefined, undefined, { clock })
    const other = new Database(path)
    try {
      other.exec('BEGIN IMMEDIATE')
      const e = ev()
      expect(durable.bus.publish(e)).toBe(true)
      const waited = outcome(durable.bus.persisted())
      clock.advance(0)
      clock.advance(BUSY_FOR_MS - 1)
      // Still trying just before the budget is spent (it retried forever before).
      expect(clock.pending()).toBe(1)
      // The next retry falls due 20 ms on, past the budget: that one gives up.
      clock.advance(BUSY_FOR_MS + 20)
      expect(clock.pending()).toBe(0)
      const error = await waited
      expect(error).toBeInstanceOf(StorageUnavailable)
      expect((error as StorageUnavailable).busy).toBe(true)
      other.exec('COMMIT')
      // Not stored later either, and not remembered: sent again after its 503, it is stored, not a duplicate.
      expect(durable.store.count()).toBe(0)
      expect(durable.bus.history().map((h) => h.id)).not.toContain(e.id)
      expect(durable.bus.publish(e)).toBe(true)
      const again = outcome(durable.bus.persisted())
      clock.advance(BUSY_FOR_MS + 20)
      expect(await again).toBe('stored')
      expect(durable.store.recentIds(5)).toEqual([e.id])
    } finally {
      other.close()
      durable.close()
    }
  })

  it('shows an event (listeners, history) only once it is stored, and one the store gave up never: a 503 was shown all the same', async () => {
    const path = tempDb()
    const clock = steppedClock()
    const durable = openDurableBus(path, undefined, undefined, undefined, { clock })
    const heard: string[] = []
    durable.bus.listen((e) => heard.push(e.id))
    const other = new Database(path)
    try {
      other.exec('BEGIN IMMEDIATE')
      const refused = ev()
      durable.bus.publish(refused)
      const waited = outcome(durable.bus.persisted())
      expect(heard).toEqual([])
      clock.advance(0)
      clock.advance(BUSY_FOR_MS + 20)
      expect(await waited).toBeInstanceOf(StorageUnavailable)
      expect(heard).toEqual([])
      expect(durable.bus.history().map((h) => h.id)).not.toContain(refused.id)
      other.exec('COMMIT')
      const taken = ev()
      durable.bus.publish(taken)
      expect(heard).toEqual([])
      clock.advance(BUSY_FOR_MS + 40)
      expect(await outcome(durable.bus.persisted())).toBe('stored')
      expect(heard).toEqual([taken.id])
    } finally {
      other.close()
      durable.close()
    }
  })

  it('waits out a lock that clears within the budget', async () => {
    const path = tempDb()
    const clock = steppedClock()
    const store = new EventStore(path, { clock })
    const other = new Database(path)
    other.exec('BEGIN IMMEDIATE')
    store.append(ev())
    const waited = outcome(store.flushed())
    clock.advance(0)
    clock.advance(BUSY_FOR_MS / 2)
    other.exec('COMMIT')
    clock.advance(BUSY_FOR_MS / 2 + 20)
    expect(await waited).toBe('stored')
    expect(store.count()).toBe(1)
    other.close()
    store.close()
  })

  it('says whether it can take a write now, without waiting for the lock', () => {
    const path = tempDb()
    const store = new EventStore(path)
    const other = new Database(path)
    expect(() => store.assertWritable()).not.toThrow()
    other.exec('BEGIN IMMEDIATE')
    expect(() => store.assertWritable()).toThrow(StorageUnavailable)
    other.exec('COMMIT')
    expect(() => store.assertWritable()).not.toThrow()
    other.close()
    store.close()
  })
})
