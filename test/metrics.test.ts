// GET /metrics in-process (app.handle): the Prometheus text format, and each instrument moving with what it counts.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeEvent } from '../src/protocol/event'
import { startTestServer, type TestServer } from './support/server'
import { sample, scrape } from './support/metrics'
import { req, post, until } from './support/http'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ listen: false })
})
afterAll(() => s.stop())

const event = (id: string, agent_id = 'metrics-agent') => ({ id, timestamp: Date.now(), category: 'agent', action: 'started', agent_id, payload: {} })

describe('GET /metrics', () => {
  it('answers the Prometheus text format, with process metrics and event-loop lag', async () => {
    const res = await s.app.handle(req('/metrics'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
    const text = await res.text()
    expect(text).toContain('# TYPE switchboard_events_ingested_total counter')
    expect(text).toContain('# TYPE switchboard_question_answer_seconds histogram')
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m)
    expect(text).toMatch(/^process_resident_memory_bytes \d/m)
  })

  it('counts events ingested, duplicates and refusals by a fixed reason', async () => {
    const before = await scrape(s.app.handle)
    expect((await s.app.handle(post('/api/events', [event('m-1'), event('m-2')]))).status).toBe(202)
    expect((await s.app.handle(post('/api/events', event('m-1')))).status).toBe(202)
    expect((await s.app.handle(post('/api/events', { ...event('m-3'), timestamp: 'yesterday' }))).status).toBe(400)
    expect((await s.app.handle(req('/api/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' }))).status).toBe(400)
    expect((await s.app.handle(req('/api/events', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }))).status).toBe(415)
    const after = await scrape(s.app.handle)
    const delta = (series: string) => sample(after, series) - sample(before, series)
    expect(delta('switchboard_events_ingested_total')).toBe(2)
    expect(delta('switchboard_events_duplicate_total')).toBe(1)
    expect(delta('switchboard_events_refused_total{reason="invalid"}')).toBe(2)
    expect(delta('switchboard_events_refused_total{reason="unsupported_media_type"}')).toBe(1)
    // The label takes the fixed kinds only: never the error text or an id.
    const reasons = [...after.keys()].filter((k) => k.startsWith('switchboard_events_refused_total{'))
    expect(reasons.every((k) => /^switchboard_events_refused_total\{reason="[a-z_]+"\}$/.test(k))).toBe(true)
    expect(delta('switchboard_store_write_seconds_count{store="events"}')).toBeGreaterThan(0)
  })

  it('counts questions asked, answered and cancelled, and the answer latency', async () => {
    const before = await scrape(s.app.handle)
    expect((await s.app.handle(post('/api/questions', { agent_id: 'asker', msg_id: 'mq-1', question: 'Ship it?' }))).status).toBe(201)
    expect((await s.app.handle(post('/api/questions', { agent_id: 'asker', msg_id: 'mq-1', question: 'Ship it?' }))).status).toBe(200)
    expect((await s.app.handle(post('/api/questions', { agent_id: 'quitter', msg_id: 'mq-2', question: 'Stop?' }))).status).toBe(201)
    expect((await s.app.handle(post('/agent/asker/respond', { msg_id: 'mq-1', answer: 'yes' }))).status).toBe(200)
    // An agent that ends withdraws its pending question.
    expect((await s.app.handle(post('/api/events', { ...event('mq-end', 'quitter'), action: 'completed' }))).status).toBe(202)
    const after = await scrape(s.app.handle)
    const delta = (series: string) => sample(after, series) - sample(before, series)
    expect(delta('switchboard_questions_asked_total')).toBe(2)
    expect(delta('switchboard_questions_settled_total{outcome="answered"}')).toBe(1)
    expect(delta('switchboard_questions_settled_total{outcome="cancelled"}')).toBe(1)
    expect(delta('switchboard_questions_settled_total{outcome="timeout"}')).toBe(0)
    expect(delta('switchboard_question_answer_seconds_count')).toBe(1)
    expect(delta('switchboard_question_answer_seconds_bucket{le="+Inf"}')).toBe(1)
    expect(delta('switchboard_store_write_seconds_count{store="workspace"}')).toBeGreaterThan(0)
  })

  it('counts open SSE clients per stream, flushes and frame bytes', async () => {
    const before = await scrape(s.app.handle)
    const abort = new AbortController()
    const res = await s.app.handle(req('/events', { signal: abort.signal }))
    expect(res.status).toBe(200)
    const open = await scrape(s.app.handle)
    expect(sample(open, 'switchboard_sse_clients{stream="dashboard"}') - sample(before, 'switchboard_sse_clients{stream="dashboard"}')).toBe(1)
    s.bus.publish(makeEvent('agent', 'started', { agent_id: 'flushed' }))
    await s.bus.persisted()
    s.stream.flush()
    const flushed = await scrape(s.app.handle)
    expect(sample(flushed, 'switchboard_sse_flushes_total{stream="dashboard"}')).toBeGreaterThan(sample(before, 'switchboard_sse_flushes_total{stream="dashboard"}'))
    expect(sample(flushed, 'switchboard_sse_frame_bytes_total{stream="dashboard"}')).toBeGreaterThan(sample(before, 'switchboard_sse_frame_bytes_total{stream="dashboard"}'))
    abort.abort()
    await res.body?.cancel().catch(() => {})
    // The hub forgets the client once the runtime reports the disconnect; a loop that gave up quietly let the
    // assertion below run early under load.
    await until('the hub to forget the client', () => s.hub.size === 0)
    const closed = await scrape(s.app.handle)
    expect(sample(closed, 'switchboard_sse_clients{stream="dashboard"}')).toBe(sample(before, 'switchboard_sse_clients{stream="dashboard"}'))
  })

  it('counts a question status stream while it is open', async () => {
    expect((await s.app.handle(post('/api/questions', { agent_id: 'streamer', msg_id: 'mq-stream', question: 'Wait?' }))).status).toBe(201)
    const before = sample(await scrape(s.app.handle), 'switchboard_sse_clients{stream="question"}')
    const abort = new AbortController()
    const res = await s.app.handle(req('/api/questions/mq-stream/events', { signal: abort.signal }))
    await res.body!.getReader().read()
    expect(sample(await scrape(s.app.handle), 'switchboard_sse_clients{stream="question"}')).toBe(before + 1)
    expect((await s.app.handle(post('/agent/streamer/respond', { msg_id: 'mq-stream', answer: 'no' }))).status).toBe(200)
    // The stream ends with the answer; the count follows once the stream's end is handled.
    await until('the question stream to be counted closed', async () => sample(await scrape(s.app.handle), 'switchboard_sse_clients{stream="question"}') === before)
    abort.abort()
  })

  it('counts a client dropped for slowness', async () => {
    const slow = await startTestServer({ listen: false, hub: { maxQueueBytes: 64 * 1024 } })
    try {
      const before = sample(await scrape(slow.app.handle), 'switchboard_sse_clients_dropped_total')
      slow.stream.open(['agent', 'graph'])
      const blob = 'x'.repeat(4_000)
      for (let i = 0; i < 40 && slow.hub.size === 1; i++) {
        slow.bus.publish(makeEvent('agent', 'failed', { agent_id: `big-${i}`, payload: { error: `${blob}-${i}` } }))
        await slow.bus.persisted()
        slow.stream.flush()
      }
      expect(slow.hub.size).toBe(0)
      expect(sample(await scrape(slow.app.handle), 'switchboard_sse_clients_dropped_total')).toBe(before + 1)
    } finally {
      await slow.stop()
    }
  })
})

describe('guarding /metrics', () => {
  it('needs the token like every route, or the metrics token, which opens nothing else', async () => {
    const guarded = await startTestServer({ listen: false, token: 'main-token', metricsToken: 'scrape-token' })
    try {
      const get = (path: string, token?: string) => guarded.app.handle(req(path, { headers: token ? { authorization: `Bearer ${token}` } : {} }))
      expect((await get('/metrics')).status).toBe(401)
      expect((await get('/metrics', 'wrong')).status).toBe(401)
      expect((await get('/metrics', 'scrape-token')).status).toBe(200)
      expect((await get('/metrics', 'main-token')).status).toBe(200)
      expect((await get('/api/snapshot', 'scrape-token')).status).toBe(401)
      const refused = await scrape(guarded.app.handle, { authorization: 'Bearer scrape-token' })
      const before = sample(refused, 'switchboard_events_refused_total{reason="unauthorized"}')
      expect((await guarded.app.handle(req('/api/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }))).status).toBe(401)
      expect(sample(await scrape(guarded.app.handle, { authorization: 'Bearer scrape-token' }), 'switchboard_events_refused_total{reason="unauthorized"}')).toBe(before + 1)
    } finally {
      await guarded.stop()
    }
  })
})
