// Two instances on one real redis-server (REDIS_URL): one question, raced answers, identical dashboards, Redis away and back.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { STREAM_KEY } from '../src/cluster/redis-log'
import { haveRedis, startRedis, type TestRedis } from './support/redis'
import { startTestServer, type TestServer } from './support/server'
import { post, until } from './support/http'

const json = async <T = Record<string, unknown>>(res: Response | Promise<Response>) => (await (await res).json()) as T
type Snapshot = { agents: unknown[]; blocked: Array<{ msg_id: string }>; graphs: unknown; results: unknown; events: unknown[] }
const snapshot = (s: TestServer) => json<Snapshot>(fetch(`${s.url}/api/snapshot`))
const resumedOf = async (s: TestServer, msgId: string) =>
  (await json<{ events: Array<{ payload: { msg_id?: string } }> }>(fetch(`${s.url}/api/events?kind=agent:resumed&limit=1000`))).events.filter((e) => e.payload.msg_id === msgId)

describe.skipIf(!haveRedis)('two instances on one Redis', () => {
  let redis: TestRedis
  let a: TestServer
  let b: TestServer
  beforeAll(async () => {
    redis = await startRedis()
    a = await startTestServer({ redisUrl: redis.url })
    b = await startTestServer({ redisUrl: redis.url })
  })
  afterAll(async () => {
    await a?.stop()
    await b?.stop()
    await redis?.stop()
  })

  it('a question asked on A shows as a card on B, and an answer on B resumes it on A', async () => {
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-1', question: 'Ship it?', options: ['yes', 'no'], msg_id: 'q-cross' }))).status).toBe(201)
    await until('the card on B', async () => (await snapshot(b)).blocked.some((q) => q.msg_id === 'q-cross'))
    expect((await fetch(post(`${b.url}/agent/ag-1/respond`, { msg_id: 'q-cross', answer: 'yes' }))).status).toBe(200)
    const onA = await until('the answer on A', async () => {
      const s = await json<{ status: string; answer?: string }>(fetch(`${a.url}/api/questions/q-cross`))
      return s.status === 'answered' && s
    })
    expect(onA.answer).toBe('yes')
  })

  it('answers raced on both instances: exactly one wins, the rest are 409, the agent resumes once', async () => {
    await fetch(post(`${a.url}/api/events`, { id: 'race-block', timestamp: Date.now(), category: 'agent', action: 'blocked', agent_id: 'ag-race', payload: { msg_id: 'q-race', question: 'Which?' } }))
    await until('the card on B', async () => (await snapshot(b)).blocked.some((q) => q.msg_id === 'q-race'))
    const tries = Array.from({ length: 24 }, (_, i) => fetch(post(`${i % 2 ? a.url : b.url}/agent/ag-race/respond`, { msg_id: 'q-race', answer: `answer ${i}` })))
    const codes = (await Promise.all(tries)).map((r) => r.status).sort()
    expect(codes).toEqual([200, ...Array(23).fill(409)])
    const answers = await Promise.all([a, b].map((s) => until('answered everywhere', async () => {
      const q = await json<{ status: string; answer?: string }>(fetch(`${s.url}/api/questions/q-race`))
      return q.status === 'answered' && q.answer
    })))
    expect(answers[0]).toBe(answers[1]!)
    for (const s of [a, b]) await until('one agent:resumed', async () => (await resumedOf(s, 'q-race')).length === 1)
    expect((await resumedOf(a, 'q-race')).length + (await resumedOf(b, 'q-race')).length).toBe(2)
  })

  it('a question timing out is settled once in Redis and followed by both instances', async () => {
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-late', question: 'Quick?', msg_id: 'q-late', timeout_s: 0.3 }))).status).toBe(201)
    for (const s of [a, b])
      await until('timed out everywhere', async () => (await json<{ status: string }>(fetch(`${s.url}/api/questions/q-late`))).status === 'timeout')
    for (const s of [a, b]) await until('one agent:resumed', async () => (await resumedOf(s, 'q-late')).length === 1)
    expect(await resumedOf(b, 'q-late')).toMatchObject([{ payload: { msg_id: 'q-late', timed_out: true } }])
    expect((await fetch(post(`${b.url}/agent/ag-late/respond`, { msg_id: 'q-late', answer: 'too late' }))).status).toBe(410)
  })

  it('a dashboard on each instance shows the same thing after the same events', async () => {
    const at = Date.now()
    const events = Array.from({ length: 40 }, (_, i) => {
      const agent = `w-${i % 5}`
      const action = i < 5 ? 'started' : i >= 35 ? 'completed' : 'started'
      return i >= 5 && i < 35
        ? { id: `same-${i}`, timestamp: at + i, category: 'tool', action: 'called', agent_id: agent, graph_id: 'g-same', payload: { tool: `t${i}` } }
        : { id: `same-${i}`, timestamp: at + i, category: 'agent', action, agent_id: agent, graph_id: 'g-same', payload: {} }
    })
    // Half through each instance, sent at once: the stream orders them, every instance applies that order.
    const sent = await Promise.all(events.map((e, i) => fetch(post(`${i % 2 ? a.url : b.url}/api/events`, e))))
    expect(sent.every((r) => r.status === 202)).toBe(true)
    const count = async (s: TestServer) => s.store.count()
    await until('the same events on both', async () => (await count(a)) === (await count(b)) && (await count(a)) > 0)
    const [sa, sb] = await Promise.all([snapshot(a), snapshot(b)])
    expect(sa.agents.length).toBeGreaterThan(0)
    expect(sb).toEqual(sa)
  })

  it('the same event id sent to both instances at once is in the stream once, and stored once on each', async () => {
    const e = { id: 'dup-both', timestamp: Date.now(), category: 'agent', action: 'started', agent_id: 'dup', payload: {} }
    await Promise.all([fetch(post(`${a.url}/api/events`, e)), fetch(post(`${b.url}/api/events`, e))])
    for (const s of [a, b]) expect(s.store.query({ limit: 10, agent_id: 'dup' }).length).toBe(1)
    const client = new Bun.RedisClient(redis.url)
    const entries = (await client.send('XRANGE', [STREAM_KEY, '-', '+'])) as Array<[string, string[]]>
    client.close()
    expect(entries.filter(([, fields]) => fields[1]!.includes('"dup-both"'))).toHaveLength(1)
  })

  it('a repeat after its id has left Redis is refused by each instance\'s own copy', async () => {
    const e = { id: 'dup-late', timestamp: Date.now(), category: 'agent', action: 'started', agent_id: 'late', payload: {} }
    expect((await fetch(post(`${a.url}/api/events`, e))).status).toBe(202)
    await until('the event on B', () => b.store.query({ limit: 10, agent_id: 'late' }).length === 1)
    const client = new Bun.RedisClient(redis.url)
    // As when its key's hour is up.
    await client.send('DEL', ['switchboard:seen:dup-late'])
    for (const s of [a, b]) expect(await json(fetch(post(`${s.url}/api/events`, e)))).toEqual({ accepted: 0, duplicates: 1, ignored: 0 })
    const entries = (await client.send('XRANGE', [STREAM_KEY, '-', '+'])) as Array<[string, string[]]>
    client.close()
    expect(entries.filter(([, fields]) => fields[1]!.includes('"dup-late"'))).toHaveLength(1)
  })
})

describe.skipIf(!haveRedis)('Redis going away while running', () => {
  it('writes are 503 with Retry-After meanwhile, reads still work, and it reconnects', async () => {
    const redis = await startRedis()
    const s = await startTestServer({ redisUrl: redis.url })
    try {
      const event = (id: string) => ({ id, timestamp: Date.now(), category: 'agent', action: 'started', agent_id: 'gone', payload: {} })
      expect((await fetch(post(`${s.url}/api/events`, event('before')))).status).toBe(202)
      await redis.stop()
      const refused = await fetch(post(`${s.url}/api/events`, event('during')))
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect((await fetch(`${s.url}/api/snapshot`)).status).toBe(200)
      const back = await startRedis(redis.port)
      try {
        await until('a write accepted again', async () => (await fetch(post(`${s.url}/api/events`, event(`after-${Date.now()}`)))).status === 202)
        // The event refused meanwhile still went out once Redis was back: nothing half-applied.
        await until('the queued event applied', () => s.store.has('during'))
      } finally {
        await back.stop()
      }
    } finally {
      await s.stop()
    }
  })
})
