// The one gate an agent:blocked passes, whichever way it comes in (HTTP, OTLP, MCP, Remora, the shared log, the
// demo): a question nobody could answer is refused with the field named, one that can be answered is a record
// before any listener sees its event.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { STREAM_KEY } from '../src/cluster/redis-log'
import { runDemoSwarm } from '../src/demo/swarm'
import { wireName } from '../src/protocol/event'
import { blockedMsgId } from '../src/protocol/question'
import { post, until } from './support/http'
import { haveRedis, startRedis } from './support/redis'
import { remoraStandIn } from './support/remora-stand-in'
import { startTestServer, type TestServer } from './support/server'

let s: TestServer
/** each agent:blocked the bus applied, with whether its record was pending when listeners heard it */
const heard: Array<{ msgId: string; answerable: boolean }> = []
beforeAll(async () => {
  s = await startTestServer()
  s.bus.listen((e) => {
    if (wireName(e) === 'agent:blocked') heard.push({ msgId: blockedMsgId(e), answerable: s.questions.status(blockedMsgId(e))?.status === 'pending' })
  })
})
afterAll(() => s.stop())

let seq = 0
const blocked = (agent_id: string, payload: Record<string, unknown>) => ({ id: `gate-${++seq}`, timestamp: Date.now(), category: 'agent', action: 'blocked', agent_id, payload })
const heardOf = (msgId: string) => heard.filter((h) => h.msgId === msgId)

describe('POST /api/events', () => {
  it('refuses a batch with one question nobody could answer whole, 400 naming the field; the same batch without it is taken', async () => {
    const good = blocked('http-agent', { msg_id: 'http-good', question: 'Ship?', options: ['yes'] })
    const bad = blocked('http-agent', { msg_id: 'http-bad', question: 'Pick one', kind: 'options' })
    const refused = await s.app.handle(post('/api/events', [good, bad]))
    expect(refused.status).toBe(400)
    expect(((await refused.json()) as { field: string }).field).toBe('options')
    expect([s.questions.status('http-good'), s.questions.status('http-bad'), s.store.has(good.id), heardOf('http-good')]).toEqual([undefined, undefined, false, []])
    expect((await s.app.handle(post('/api/events', [good]))).status).toBe(202)
    expect(s.questions.status('http-good')?.status).toBe('pending')
    expect(heardOf('http-good')).toEqual([{ msgId: 'http-good', answerable: true }])
  })
})

describe('POST /v1/traces', () => {
  it('passes the gate as one batch (spans never ask a question, but what they become goes the same way)', async () => {
    const batches: string[][] = []
    const ungate = s.bus.gate((events) => void batches.push(events.map((e) => e.id)))
    try {
      const ns = (ms: number) => `${BigInt(ms) * 1_000_000n}`
      const span = {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        name: 'invoke_agent gate',
        kind: 1,
        startTimeUnixNano: ns(Date.now() - 1000),
        endTimeUnixNano: ns(Date.now()),
        attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } }, { key: 'gen_ai.agent.name', value: { stringValue: 'gate' } }],
      }
      const res = await s.app.handle(post('/v1/traces', { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span] }] }] }))
      expect(res.status).toBe(200)
      const otlp = batches.filter((ids) => ids.some((id) => s.store.has(id)))
      expect(otlp).toHaveLength(1)
      expect(otlp[0]!.length).toBeGreaterThan(1)
    } finally {
      ungate()
    }
  })
})

describe('MCP ask_human', () => {
  const call = (client: Client, args: Record<string, unknown>) => client.callTool({ name: 'ask_human', arguments: args }) as Promise<CallToolResult>
  it('refuses a question nobody could answer naming the field, and makes one that can be answered a record', async () => {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', s.url))
    const client = new Client({ name: 'gate-agent', version: '1.0.0' })
    await client.connect(transport)
    try {
      const refused = await call(client, { question: 'Pick one', kind: 'options' })
      expect(refused.isError).toBe(true)
      expect(refused.content.map((c) => (c.type === 'text' ? c.text : '')).join()).toContain('options')
      expect(s.questions.pending().filter((q) => q.question === 'Pick one')).toEqual([])
      const asking = call(client, { question: 'Proceed?', options: ['yes', 'no'] })
      const card = await until('the MCP card', () => s.questions.pending().find((q) => q.question === 'Proceed?'))
      expect(heardOf(card.msg_id)).toEqual([{ msgId: card.msg_id, answerable: true }])
      expect((await s.questions.respond(card.agent_id, card.msg_id, 'yes')).answer).toBe('yes')
      expect((await asking).content[0]).toEqual({ type: 'text', text: 'yes' })
    } finally {
      await client.close()
    }
  })
})

describe('the demo swarm', () => {
  it('asks only questions that are records when its agents are shown blocked', async () => {
    const before = heard.length
    const stop = new AbortController()
    const off = s.bus.listen((e) => {
      // Withdrawn as soon as asked: the swarm goes on without an answer, and the run ends.
      if (wireName(e) === 'agent:blocked' && e.graph_id?.startsWith('demo-gate')) void s.questions.withdraw(e.agent_id!, blockedMsgId(e), 'test')
    })
    try {
      await runDemoSwarm({ bus: s.bus, asker: s.questions, signal: stop.signal, seed: 7, speed: 1000, pauseBetweenRunsMs: 1, tag: 'gate', onRunEnd: () => stop.abort() })
    } finally {
      off()
    }
    const asked = heard.slice(before)
    expect(asked.length).toBeGreaterThan(0)
    expect(asked.every((h) => h.answerable)).toBe(true)
  })
})

describe('the Remora bridge', () => {
  it('shows no card for a request nobody could answer, and goes on to the next one', async () => {
    const remora = remoraStandIn()
    const r = await startTestServer({ remora: { url: remora.url, retryMs: 20 } })
    try {
      await until('the bridge to connect', () => remora.clients() === 1)
      const at = Date.now() / 1000
      remora.emit('HumanInputRequestEvent', 'human', { agent_id: 'docs', request_id: 'too-long', question: 'x'.repeat(5_000), timestamp: at })
      remora.emit('HumanInputRequestEvent', 'human', { agent_id: 'docs', request_id: 'fine', question: 'Which style?', options: ['google'], timestamp: at })
      await until('the card', () => r.questions.status('remora:fine'))
      expect(r.questions.status('remora:too-long')).toBeUndefined()
      // The card comes with the record; its agent:blocked is stored at the group commit after.
      await r.bus.persisted()
      expect(r.store.query({ agent_id: 'docs', kind: 'agent:blocked', after: 0, limit: 10 }).map((x) => x.event.payload.msg_id)).toEqual(['remora:fine'])
    } finally {
      await r.stop()
      await remora.stop()
    }
  })
})

describe.skipIf(!haveRedis)('the shared event log', () => {
  it('skips an entry another writer appended that nobody could answer, and makes the next one a record', async () => {
    const redis = await startRedis()
    const a = await startTestServer({ redisUrl: redis.url })
    const client = new Bun.RedisClient(redis.url)
    try {
      const append = (e: ReturnType<typeof blocked>) => client.send('XADD', [STREAM_KEY, '*', 'e', JSON.stringify(e)])
      const bad = blocked('foreign', { msg_id: 'log-bad', question: 'Pick one', kind: 'options' })
      const good = blocked('foreign', { msg_id: 'log-good', question: 'Go?', options: ['yes'] })
      await append(bad)
      await append(good)
      await until('the good one stored', () => a.store.has(good.id))
      expect([a.store.has(bad.id), a.questions.status('log-bad'), a.questions.status('log-good')?.status]).toEqual([false, undefined, 'pending'])
      const told = (await a.app.handle(post('/agent/foreign/respond', { msg_id: 'log-good', answer: 'yes' }))).status
      expect(told).toBe(200)
    } finally {
      client.close()
      await a.stop()
      await redis.stop()
    }
  })
})
