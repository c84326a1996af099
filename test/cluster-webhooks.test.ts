// Webhooks from two instances on one real redis-server: every instance derives the same notices, one of them sends each.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { KEY_PREFIX } from '../src/cluster/redis-questions'
import { haveRedis, startRedis, type TestRedis } from './support/redis'
import { startReceiver } from './support/receiver'
import { startTestServer, type TestServer } from './support/server'
import { post, until } from './support/http'

const failed = (id: string, agent_id: string) => ({ id, timestamp: Date.now(), category: 'agent', action: 'failed', agent_id, payload: { error: 'crashed\r\nbadly' } })

describe.skipIf(!haveRedis)('webhooks with several instances', () => {
  let redis: TestRedis
  let receiver: ReturnType<typeof startReceiver>
  let a: TestServer
  let b: TestServer
  beforeAll(async () => {
    redis = await startRedis()
    // The first POST of each delivery fails (500): its retries stay with the instance that took it.
    const tried = new Set<string>()
    receiver = startReceiver((r) => (tried.has(r.delivery) ? undefined : (tried.add(r.delivery), new Response('busy', { status: 500 }))))
    const webhooks = { urls: [receiver.url], retry: { firstMs: 10, capMs: 50 }, pollMs: 20 }
    a = await startTestServer({ redisUrl: redis.url, webhooks })
    b = await startTestServer({ redisUrl: redis.url, webhooks })
  })
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    receiver?.stop()
    await redis?.stop()
  })

  it('each notice is delivered once, by one instance, retries included; the other records it as sent elsewhere', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `hook-${i}`)
    await Promise.all(ids.map((id, i) => fetch(post(`${i % 2 ? a.url : b.url}/api/events`, failed(id, i === 0 ? '__proto__' : `ag-${i}`)))))
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-q', msg_id: 'hook-q', question: 'Once?' }))).status).toBe(201)
    expect((await fetch(post(`${b.url}/agent/ag-q/respond`, { msg_id: 'hook-q', answer: 'once' }))).status).toBe(200)
    const expected = [...ids.map((id) => `${id}:0`), 'blocked:hook-q:0', 'resumed:hook-q:0']
    // Until every row on both instances has ended: from then on nothing more can be sent.
    const ended = (s: TestServer) => {
      const rows = s.notifier!.outbox.all().filter((d) => expected.includes(d.delivery_id))
      return rows.length === expected.length && rows.every((d) => d.status === 'delivered')
    }
    await until('every delivery ended on both instances', () => ended(a) && ended(b))
    const byDelivery = new Map<string, number[]>()
    for (const r of receiver.received) byDelivery.set(r.delivery, [...(byDelivery.get(r.delivery) ?? []), r.attempt])
    expect([...byDelivery.keys()].sort()).toEqual([...expected].sort())
    // One failed first attempt and one retry each, numbered by the one instance that sent it.
    for (const id of expected) expect(byDelivery.get(id)).toEqual([1, 2])
    // Each row was sent by one instance; the other's says so.
    for (const id of expected) {
      const rows = [a, b].map((s) => s.notifier!.outbox.get(id)!)
      expect(rows.map((d) => d.last_error === 'delivered by another instance').sort()).toEqual([false, true])
    }
  })
})

describe.skipIf(!haveRedis)('webhooks when the sending instance stops', () => {
  it('its delivery is taken over by the other instance once the lease lapses, and delivered', async () => {
    const redis = await startRedis()
    const client = new Bun.RedisClient(redis.url)
    // The delivery's lease in Redis (redis-deliveries.ts names it so).
    const lease = `${KEY_PREFIX}webhook:lost-sender:0`
    // The first POST never gets an answer: its sender is stopped while it waits.
    const stalled: Array<() => void> = []
    const receiver = startReceiver((_r, n) => (n === 1 ? new Promise<Response>((resolve) => stalled.push(() => resolve(new Response('late')))) : undefined))
    // A lease no test run outlasts: the test, not a 300 ms timer racing two servers under load, decides when it lapses.
    const webhooks = { urls: [receiver.url], retry: { firstMs: 10, capMs: 50 }, pollMs: 20, leaseMs: 600_000 }
    const servers = [await startTestServer({ redisUrl: redis.url, webhooks }), await startTestServer({ redisUrl: redis.url, webhooks })]
    const running = new Set(servers)
    const stop = (s: TestServer) => (running.delete(s) ? s.stop() : undefined)
    try {
      expect((await fetch(post(`${servers[0]!.url}/api/events`, failed('lost-sender', 'ag-lost')))).status).toBe(202)
      await until('the first POST', () => receiver.received.length === 1)
      // The one that did not send it says so; the other is the sender.
      const waiting = await until('the other instance waiting', () => servers.find((s) => s.notifier!.outbox.get('lost-sender:0')?.last_error === 'sent by another instance'))
      const sender = servers.find((s) => s !== waiting)!
      await stop(sender)
      // The lease lapses as it would 10 minutes on: Redis expires the key, as it does when its time is up.
      expect(await client.send('PEXPIRE', [lease, '1'])).toBe(1)
      await until('delivered by the other instance', () => waiting.notifier!.outbox.get('lost-sender:0')?.status === 'delivered')
      // At least once: the receiver saw the delivery id from each instance (the stopped one's POST went unanswered).
      expect(receiver.received.map((r) => [r.delivery, r.attempt])).toEqual([['lost-sender:0', 1], ['lost-sender:0', 1]])
    } finally {
      for (const s of servers) await stop(s)
      for (const go of stalled) go()
      client.close()
      receiver.stop()
      await redis.stop()
    }
  })
})
