// Two real server processes on one real redis-server: one killed mid-run (kill -9) loses nothing; Redis down at start stops it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { freePort, running, spawn, start, tempDir } from './support/process'
import { haveRedis, startRedis, type TestRedis } from './support/redis'
import { startTestServer } from './support/server'
import { startTcpProxy } from './support/tcp-proxy'
import { sample, scrape } from './support/metrics'
import { connect } from '../src/client'
import { post, until } from './support/http'

afterEach(() => {
  for (const s of running.splice(0)) s.proc.kill('SIGKILL')
})

const send = (url: string, id: string, agent: string) =>
  fetch(post(`${url}/api/events`, { id, timestamp: Date.now(), category: 'tool', action: 'called', agent_id: agent, payload: { tool: id } }))
const storedIds = async (url: string, agent: string) => {
  const res = await fetch(`${url}/api/events?agent_id=${agent}&limit=1000`)
  return new Set(((await res.json()) as { events: Array<{ id: string }> }).events.map((e) => e.id))
}
const snapshotOf = async (url: string) => (await fetch(`${url}/api/snapshot`)).json()

describe.skipIf(!haveRedis)('an instance killed mid-run', () => {
  let redis: TestRedis
  beforeAll(async () => {
    redis = await startRedis()
  })
  afterAll(() => redis.stop())

  it('loses nothing: the survivor has every acknowledged event, the restarted instance catches up', async () => {
    const dbA = join(tempDir(), 'a.db')
    // A is a real process (to be killed with -9); the survivor B runs in this process, on its own file.
    const [a, b] = await Promise.all([start({ REDIS_URL: redis.url, SWITCHBOARD_DB: dbA }), startTestServer({ redisUrl: redis.url })])
    try {
      const acked: string[] = []
      // A stream of writes to A, killed while they flow; only the 202s count as promised.
      const writing = (async () => {
        for (let i = 0; ; i++) {
          const res = await send(a.url, `k-${i}`, 'killed').catch(() => undefined)
          if (!res) return
          if (res.status === 202) acked.push(`k-${i}`)
        }
      })()
      await until('25 events acknowledged by A', () => acked.length >= 25)
      a.proc.kill('SIGKILL')
      await writing
      for (let i = 0; i < 10; i++) {
        const res = await send(b.url, `after-${i}`, 'killed').catch(async (error) => {
          throw new Error(`B: ${String(error)}`)
        })
        expect(res.status).toBe(202)
      }
      const expected = [...acked, ...Array.from({ length: 10 }, (_, i) => `after-${i}`)]
      const onB = await storedIds(b.url, 'killed')
      expect(expected.filter((id) => !onB.has(id))).toEqual([])
      const again = await start({ REDIS_URL: redis.url, SWITCHBOARD_DB: dbA, PORT: a.url.split(':').at(-1)! })
      await until('the restarted instance caught up', async () => {
        const onA = await storedIds(again.url, 'killed')
        return expected.every((id) => onA.has(id)) && onA.size === onB.size
      })
      expect(await snapshotOf(again.url)).toEqual(await snapshotOf(b.url))
    } finally {
      await b.stop()
    }
  })
})

describe.skipIf(!haveRedis)('an SDK ask() whose instance dies', () => {
  it('goes on through the other instance and resolves with the answer given there', async () => {
    const redis = await startRedis()
    const [a, b] = await Promise.all([start({ REDIS_URL: redis.url }), startTestServer({ redisUrl: redis.url })])
    const proxy = startTcpProxy([Number(new URL(a.url).port), Number(new URL(b.url).port)])
    const sb = connect({ url: proxy.url, backoff: { baseMs: 5, maxMs: 50 } })
    try {
      const answer = sb.agent('sdk-fo').ask('Through the failover?', { options: ['yes', 'no'], msgId: 'q-sdk-fo' })
      // Asked through the proxy, so through A; its long-poll waits on A when A is killed.
      await until('the question on A', async () => (await fetch(`${a.url}/api/questions/q-sdk-fo`)).status === 200)
      a.proc.kill('SIGKILL')
      await a.proc.exited
      // Answered once its long-poll waits on B (B is the only server in this process, so the gauge is B's).
      await until('the long-poll waiting on B', async () => sample(await scrape(b.url), 'switchboard_question_waiters') > 0)
      expect((await fetch(post(`${b.url}/agent/sdk-fo/respond`, { msg_id: 'q-sdk-fo', answer: 'yes' }))).status).toBe(200)
      expect(await answer).toBe('yes')
      expect(proxy.target).toBe(Number(new URL(b.url).port))
    } finally {
      await sb.close()
      proxy.stop()
      await b.stop()
      await redis.stop()
    }
  })
})

describe.skipIf(!haveRedis)('Redis down at start', () => {
  it('exits 2 with one line naming REDIS_URL', async () => {
    const { proc, output } = spawn({ REDIS_URL: `redis://127.0.0.1:${freePort()}`, PORT: String(freePort()), SWITCHBOARD_DB: join(tempDir(), 's.db') })
    expect(await proc.exited).toBe(2)
    const lines = (await output()).trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^switchboard: cannot reach Redis at 127\.0\.0\.1:\d+: .+ \(REDIS_URL\)$/)
  })
})
