// The question records of several instances live in Redis (one real redis-server): what they say decides, on every instance.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { STREAM_KEY } from '../src/cluster/redis-log'
import { KEY_PREFIX } from '../src/cluster/redis-questions'
import { haveRedis, startRedis, type TestRedis } from './support/redis'
import { startTestServer, type TestServer } from './support/server'
import { post, until } from './support/http'

type Status = { status: string; answer?: unknown; answered_by?: string }
const statusOn = async (s: TestServer, msgId: string) => (await (await fetch(`${s.url}/api/questions/${encodeURIComponent(msgId)}`)).json()) as Status
const resumedOf = async (s: TestServer, msgId: string) =>
  ((await (await fetch(`${s.url}/api/events?kind=agent:resumed&limit=1000`)).json()) as { events: Array<{ payload: Record<string, unknown> }> }).events.filter(
    (e) => e.payload.msg_id === msgId,
  )
const blockedOn = async (s: TestServer, msgId: string) =>
  ((await (await fetch(`${s.url}/api/snapshot`)).json()) as { blocked: Array<{ msg_id: string }> }).blocked.some((q) => q.msg_id === msgId)

describe.skipIf(!haveRedis)('question records in Redis', () => {
  let redis: TestRedis
  let a: TestServer
  let b: TestServer
  let client: Bun.RedisClient
  const key = (kind: 'outbox:question:' | 'inbox:response:', msgId: string) => `${KEY_PREFIX}${kind}${msgId}`
  beforeAll(async () => {
    redis = await startRedis()
    a = await startTestServer({ redisUrl: redis.url })
    b = await startTestServer({ redisUrl: redis.url })
    client = new Bun.RedisClient(redis.url)
  })
  afterAll(async () => {
    client?.close()
    await a?.stop()
    await b?.stop()
    await redis?.stop()
  })

  it('an ask writes the record under outbox:question:{msg_id}, an answer the response and the status together', async () => {
    // Hostile ids and text are ordinary input: a msg_id that is a property name, CR and LF in the question and answer.
    const msgId = '__proto__'
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'constructor', question: 'Line one\r\nline two?', msg_id: msgId }))).status).toBe(201)
    await a.bus.persisted()
    expect(JSON.parse((await client.get(key('outbox:question:', msgId)))!)).toMatchObject({ status: 'pending', agent_id: 'constructor', question: 'Line one\r\nline two?' })
    expect(await client.get(key('inbox:response:', msgId))).toBeNull()
    // Answered on B, which may not have seen the question yet: it reads the record in Redis.
    const res = await fetch(post(`${b.url}/agent/constructor/respond`, { msg_id: msgId, answer: 'yes\rno' }))
    expect(res.status).toBe(200)
    expect(JSON.parse((await client.get(key('outbox:question:', msgId)))!).status).toBe('answered')
    expect(JSON.parse((await client.get(key('inbox:response:', msgId)))!)).toMatchObject({ answer: 'yes\rno' })
    for (const s of [a, b]) expect(await statusOn(s, msgId)).toMatchObject({ status: 'answered', answer: 'yes\rno' })
  })

  it('what Redis says decides, on every instance, even when no instance told the others', async () => {
    // As if an instance settled it in Redis and was killed before its agent:resumed went out.
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-told', question: 'Deploy?', msg_id: 'q-told', options: ['yes', 'no'] }))).status).toBe(201)
    await until('the card on B', () => blockedOn(b, 'q-told'))
    const stored = JSON.parse((await client.get(key('outbox:question:', 'q-told')))!)
    await client.set(key('outbox:question:', 'q-told'), JSON.stringify({ ...stored, status: 'answered' }))
    await client.set(key('inbox:response:', 'q-told'), JSON.stringify({ answer: 'no', responded_at: Date.now(), answered_by: 'gone' }))
    // The local copies still say pending; the API answers from Redis, and a second answer is refused with the first.
    for (const s of [a, b]) expect(await statusOn(s, 'q-told')).toMatchObject({ status: 'answered', answer: 'no' })
    const late = await fetch(post(`${b.url}/agent/ag-told/respond`, { msg_id: 'q-told', answer: 'yes' }))
    expect(late.status).toBe(409)
    expect(((await late.json()) as { error: string }).error).toContain('no')
    // The agent is told once, and the cards leave both dashboards.
    for (const s of [a, b]) {
      await until('the agent:resumed', async () => (await resumedOf(s, 'q-told')).length === 1)
      await until('the card gone', async () => !(await blockedOn(s, 'q-told')))
    }
    expect((await resumedOf(a, 'q-told'))[0]!.payload).toMatchObject({ answer: 'no', answered_by: 'gone' })
  })

  it('a withdrawal on one instance and an answer on the other: one wins, the same everywhere', async () => {
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-wd', question: 'Still needed?', msg_id: 'q-wd' }))).status).toBe(201)
    await until('the card on B', () => blockedOn(b, 'q-wd'))
    const [withdrawn, answered] = await Promise.all([fetch(post(`${a.url}/agent/ag-wd/cancel`, { msg_id: 'q-wd' })), fetch(post(`${b.url}/agent/ag-wd/respond`, { msg_id: 'q-wd', answer: 'yes' }))])
    // Withdrawn first: the answer is too late (410). Answered first: the withdrawal finds it answered (409).
    expect([withdrawn.status, answered.status]).toEqual(withdrawn.status === 200 ? [200, 410] : [409, 200])
    const final = withdrawn.status === 200 ? 'cancelled' : 'answered'
    for (const s of [a, b]) {
      expect((await statusOn(s, 'q-wd')).status).toBe(final)
      await until('one agent:resumed', async () => (await resumedOf(s, 'q-wd')).length === 1)
    }
  })

  it('an unknown question, or one of another agent, is 404 on every instance', async () => {
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-own', question: 'Mine?', msg_id: 'q-own' }))).status).toBe(201)
    for (const s of [a, b]) {
      expect((await fetch(post(`${s.url}/agent/ag-other/respond`, { msg_id: 'q-own', answer: 'x' }))).status).toBe(404)
      expect((await fetch(post(`${s.url}/agent/ag-own/respond`, { msg_id: 'q-nobody', answer: 'x' }))).status).toBe(404)
      expect((await fetch(`${s.url}/api/questions/q-nobody`)).status).toBe(404)
    }
  })

  it('a long-poll on B ends with the answer given on A', async () => {
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-poll', question: 'Wait?', msg_id: 'q-poll' }))).status).toBe(201)
    const polling = fetch(`${b.url}/api/questions/q-poll?wait=20`).then(async (r) => ({ code: r.status, body: (await r.json()) as Status }))
    await until('the card on B', () => blockedOn(b, 'q-poll'))
    expect((await fetch(post(`${a.url}/agent/ag-poll/respond`, { msg_id: 'q-poll', answer: 'go' }))).status).toBe(200)
    expect(await polling).toMatchObject({ code: 200, body: { status: 'answered', answer: 'go' } })
  })
})

describe.skipIf(!haveRedis)('what Redis holds that no instance wrote', () => {
  // A record's details or an answer nested 100,000 deep parsed, then overflowed JSON.stringify's stack: every read
  // of it was a 500, and the start of a new instance stopped copying the pending questions at it.
  const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`
  it('is read as absent or as much as can be used, never a 500, and a new instance starts over it', async () => {
    const redis = await startRedis()
    const a = await startTestServer({ redisUrl: redis.url })
    const client = new Bun.RedisClient(redis.url)
    let c: TestServer | undefined
    const q = (msgId: string) => `${KEY_PREFIX}outbox:question:${msgId}`
    const record = (fields: Record<string, unknown> = {}) => JSON.stringify({ status: 'pending', agent_id: 'ag-odd', question: 'Go?', created_at: Date.now(), ...fields })
    try {
      await client.set(q('not-json'), 'not json {')
      await client.set(q('an-array'), '[1,2]')
      await client.set(q('null'), 'null')
      await client.send('HSET', [q('a-hash'), 'status', 'pending'])
      await client.set(q('deep-details'), `{"status":"pending","agent_id":"ag-odd","question":"Go?","created_at":${Date.now()},"details":${deep(100_000)}}`)
      await client.set(q('deep-answer'), record({ status: 'answered' }))
      await client.set(`${KEY_PREFIX}inbox:response:deep-answer`, `{"answer":${deep(100_000)},"responded_at":1}`)
      await client.set(q('strings'), record({ created_at: 'yesterday', timeout_s: 'soon' }))
      await client.set(q('*'), record())
      const ids = ['not-json', 'an-array', 'null', 'a-hash', 'deep-details', 'deep-answer', 'strings', '*']
      for (const id of ids) {
        const url = `${a.url}/api/questions/${encodeURIComponent(id)}`
        const codes = [(await fetch(url)).status]
        codes.push((await fetch(post(`${a.url}/agent/ag-odd/cancel`, { msg_id: id }))).status)
        codes.push((await fetch(post(`${a.url}/agent/ag-odd/respond`, { msg_id: id, answer: 'x' }))).status)
        expect({ id, codes: codes.map((code) => (code >= 500 ? code : 'fine')) }).toEqual({ id, codes: ['fine', 'fine', 'fine'] })
      }
      await client.set(q('deep-details-2'), `{"status":"pending","agent_id":"ag-odd","question":"Go?","created_at":${Date.now()},"details":${deep(100_000)}}`)
      await client.set(q('open-1'), record())
      await client.set(q('open-2'), record())
      c = await startTestServer({ redisUrl: redis.url })
      expect(c.questions.pending().map((p) => p.msg_id).sort()).toEqual(['deep-details', 'deep-details-2', 'open-1', 'open-2'])
      expect((await fetch(`${c.url}/`)).status).toBe(200)
    } finally {
      client.close()
      await c?.stop()
      await a.stop()
      await redis.stop()
    }
  })
})

describe.skipIf(!haveRedis)('a timeout racing an answer across instances', () => {
  it('each question ends one way, the same on both instances, told to its agent once', async () => {
    const redis = await startRedis()
    const a = await startTestServer({ redisUrl: redis.url, pollMs: 5 })
    const b = await startTestServer({ redisUrl: redis.url, pollMs: 5 })
    try {
      // Deadlines spread from 10 ms to 240 ms, answers starting together: the early ones time out, the late ones are
      // answered, and around the middle the timeout (polled on both instances) and the answers race.
      const ids = Array.from({ length: 24 }, (_, i) => `q-edge-${i}`)
      const asked = await Promise.all(ids.map((id, i) => fetch(post(`${i % 2 ? a.url : b.url}/api/questions`, { agent_id: `ag-${id}`, question: 'Now?', msg_id: id, timeout_s: 0.01 * (i + 1) }))))
      expect(asked.map((r) => r.status)).toEqual(ids.map(() => 201))
      const codes = new Map<string, number[]>(ids.map((id) => [id, []]))
      await Promise.all(
        ids.map(async (id, i) => {
          // Until one way or the other is final: a 409 after the answer that won, or a 410.
          for (let n = 0; ; n++) {
            const res = await fetch(post(`${(n + i) % 2 ? a.url : b.url}/agent/ag-${id}/respond`, { msg_id: id, answer: `answer ${n}` }))
            codes.get(id)!.push(res.status)
            if (![200, 409, 410].includes(res.status)) throw new Error(`${id}: ${res.status}`)
            if (res.status !== 200) return
          }
        }),
      )
      for (const id of ids) {
        const seen = codes.get(id)!
        const [onA, onB] = await Promise.all([statusOn(a, id), statusOn(b, id)])
        expect(onB).toEqual(onA)
        // Answered: exactly one 200, then 409. Timed out: no 200, a 410.
        if (onA.status === 'answered') expect([seen.filter((c) => c === 200).length, seen.at(-1)]).toEqual([1, 409])
        else expect([onA.status, seen]).toEqual(['timeout', [410]])
        for (const s of [a, b]) {
          const told = await until(`one agent:resumed for ${id}`, async () => {
            const r = await resumedOf(s, id)
            return r.length === 1 && r
          })
          expect(told[0]!.payload.timed_out === true).toBe(onA.status === 'timeout')
        }
      }
    } finally {
      await a.stop()
      await b.stop()
      await redis.stop()
    }
  })
})

describe.skipIf(!haveRedis)('Redis away for longer', () => {
  it('a bounded number of events wait for it; past that a write is 503 with its reason, and not kept', async () => {
    const redis = await startRedis()
    const s = await startTestServer({ redisUrl: redis.url, maxQueued: 3 })
    const event = (id: string) => ({ id, timestamp: Date.now(), category: 'agent', action: 'started', agent_id: 'waits', payload: {} })
    try {
      expect((await fetch(post(`${s.url}/api/events`, event('w-0')))).status).toBe(202)
      await redis.stop()
      const refused: string[] = []
      for (let i = 1; i <= 5; i++) {
        const res = await fetch(post(`${s.url}/api/events`, event(`w-${i}`)))
        expect(res.status).toBe(503)
        refused.push(((await res.json()) as { error: string }).error)
      }
      expect(refused.slice(3).every((r) => r.includes('3 events already wait'))).toBe(true)
      expect(refused.slice(0, 3).some((r) => r.includes('already wait'))).toBe(false)
      const back = await startRedis(redis.port)
      try {
        await until('the kept events applied', () => s.store.has('w-3'))
        expect(['w-1', 'w-2', 'w-3', 'w-4', 'w-5'].map((id) => s.store.has(id))).toEqual([true, true, true, false, false])
        // The refused ones were not kept: sent again, they are taken.
        expect((await fetch(post(`${s.url}/api/events`, event('w-4')))).status).toBe(202)
        expect(s.store.has('w-4')).toBe(true)
      } finally {
        await back.stop()
      }
    } finally {
      await s.stop()
    }
  })
})

describe.skipIf(!haveRedis)('answers while Redis is away', () => {
  it('an answer is 503 with the reason, nothing is decided meanwhile, and once Redis is back (empty) it is taken', async () => {
    const redis = await startRedis()
    const s = await startTestServer({ redisUrl: redis.url })
    try {
      expect((await fetch(post(`${s.url}/api/questions`, { agent_id: 'ag-away', question: 'Still?', msg_id: 'q-away' }))).status).toBe(201)
      await redis.stop()
      const refused = await fetch(post(`${s.url}/agent/ag-away/respond`, { msg_id: 'q-away', answer: 'yes' }))
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(((await refused.json()) as { error: string }).error).toMatch(/^storage unavailable: redis: /)
      expect((await fetch(`${s.url}/api/questions/q-away`)).status).toBe(503)
      expect(s.questions.status('q-away')?.status).toBe('pending')
      // Back without its data (no persistence here): the question is stored again from this instance's copy.
      const back = await startRedis(redis.port)
      try {
        // Retried as a client would: a 503 may come after the answer was taken (its agent:resumed not yet read back), so the
        // retry can find it answered, with this answer.
        await until('the answer taken', async () => {
          const res = await fetch(post(`${s.url}/agent/ag-away/respond`, { msg_id: 'q-away', answer: 'yes' }))
          return res.status === 200 || (res.status === 409 && ((await res.json()) as { error: string }).error.endsWith(': yes'))
        })
        expect(await statusOn(s, 'q-away')).toMatchObject({ status: 'answered', answer: 'yes' })
        expect((await fetch(post(`${s.url}/agent/ag-away/respond`, { msg_id: 'q-away', answer: 'no' }))).status).toBe(409)
      } finally {
        await back.stop()
      }
    } finally {
      await s.stop()
    }
  })
})

describe.skipIf(!haveRedis)('a new instance after the stream was trimmed', () => {
  it('shows the questions Redis holds as pending, and takes their answers', async () => {
    const redis = await startRedis()
    const a = await startTestServer({ redisUrl: redis.url })
    let c: TestServer | undefined
    try {
      expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-trim', question: 'Still open?', msg_id: 'q-trim' }))).status).toBe(201)
      expect((await fetch(post(`${a.url}/api/questions`, { agent_id: 'ag-trim', question: 'Done?', msg_id: 'q-trim-done' }))).status).toBe(201)
      expect((await fetch(post(`${a.url}/agent/ag-trim/respond`, { msg_id: 'q-trim-done', answer: 'yes' }))).status).toBe(200)
      // Everything in the stream so far is gone (its MAXLEN, or a long time): a new instance reads none of it.
      const client = new Bun.RedisClient(redis.url)
      await client.send('XTRIM', [STREAM_KEY, 'MAXLEN', '0'])
      client.close()
      c = await startTestServer({ redisUrl: redis.url })
      expect(c.store.count()).toBe(0)
      expect(c.questions.pending().map((q) => q.msg_id)).toEqual(['q-trim'])
      expect(await blockedOn(c, 'q-trim')).toBe(true)
      expect((await fetch(post(`${c.url}/agent/ag-trim/respond`, { msg_id: 'q-trim', answer: 'late but here' }))).status).toBe(200)
      await until('the card gone on A', () => !a.questions.pending().some((q) => q.msg_id === 'q-trim'))
      expect(a.questions.status('q-trim')).toMatchObject({ status: 'answered', answer: 'late but here' })
    } finally {
      await c?.stop()
      await a.stop()
      await redis.stop()
    }
  })
})
