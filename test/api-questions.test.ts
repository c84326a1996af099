// The HTTP contract of /api/questions in-process (app.handle): create, idempotency, conflicts, status, long-poll, SSE.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { readUntil, startTestServer, type TestServer } from './support/server'
import { req, post } from './support/http'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ listen: false })
})
afterAll(() => server.stop())

const get = (path: string, init?: RequestInit) => server.app.handle(req(path, init))
const answer = (agentId: string, msgId: string, text: string) => server.app.handle(post(`/agent/${agentId}/respond`, { msg_id: msgId, answer: text }))

describe('POST /api/questions', () => {
  it('creates a question (201), and the same msg_id with the same content again is 200 with that msg_id', async () => {
    const body = { agent_id: 'a1', question: 'Which style?', options: ['google', 'numpy'], msg_id: 'q-idem', timeout_s: 600 }
    const first = await server.app.handle(post('/api/questions', body))
    expect(first.status).toBe(201)
    expect(await first.json()).toEqual({ msg_id: 'q-idem' })
    const again = await server.app.handle(post('/api/questions', body))
    expect(again.status).toBe(200)
    expect(await again.json()).toEqual({ msg_id: 'q-idem' })
    expect(server.questions.pending().filter((q) => q.msg_id === 'q-idem')).toHaveLength(1)
  })

  it('makes up a msg_id when none is given', async () => {
    const res = await server.app.handle(post('/api/questions', { agent_id: 'a1', question: 'Anything?' }))
    expect(res.status).toBe(201)
    const { msg_id } = (await res.json()) as { msg_id: string }
    expect(msg_id.length).toBeGreaterThan(0)
    expect(server.questions.status(msg_id)?.status).toBe('pending')
  })

  it('refuses a different question under a used msg_id with 409', async () => {
    await server.app.handle(post('/api/questions', { agent_id: 'a1', question: 'First?', msg_id: 'q-conflict' }))
    const res = await server.app.handle(post('/api/questions', { agent_id: 'a1', question: 'Second?', msg_id: 'q-conflict' }))
    expect(res.status).toBe(409)
    expect(server.questions.status('q-conflict')?.question).toBe('First?')
  })

  it.each([
    [{ question: 'No agent?' }, 'agent_id'],
    [{ agent_id: 'a1', question: 42 }, 'question'],
    [{ agent_id: 'a1', question: '   ' }, 'question'],
    [{ agent_id: 'a1', question: 'Q?', options: 'yes' }, 'options'],
    [{ agent_id: 'a1', question: 'Q?', options: ['ok', ''] }, 'options[1]'],
    [{ agent_id: 'a1', question: 'Q?', timeout_s: -1 }, 'timeout_s'],
    [{ agent_id: 'a1', question: 'Q?', timeout_s: '5' }, 'timeout_s'],
    [{ agent_id: 'a\u0000b', question: 'Q?' }, 'agent_id'],
    [['not', 'an', 'object'], 'body'],
  ])('answers 400 naming the field for %j', async (body, field) => {
    const res = await server.app.handle(post('/api/questions', body))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ field })
  })
})

describe('GET /api/questions/:msg_id', () => {
  it('reports pending, then answered with the answer and when', async () => {
    await server.app.handle(post('/api/questions', { agent_id: 'a2', question: 'Go?', options: ['yes', 'no'], msg_id: 'q-status' }))
    expect(await (await get('/api/questions/q-status')).json()).toMatchObject({ status: 'pending', agent_id: 'a2', question: 'Go?', options: ['yes', 'no'] })
    expect((await answer('a2', 'q-status', 'yes')).status).toBe(200)
    const answered = (await (await get('/api/questions/q-status')).json()) as Record<string, unknown>
    expect(answered).toMatchObject({ status: 'answered', answer: 'yes' })
    expect(typeof answered.responded_at).toBe('number')
  })

  it('?wait long-polls until the question is answered', async () => {
    await server.app.handle(post('/api/questions', { agent_id: 'a3', question: 'Wait for it?', msg_id: 'q-wait' }))
    // Answer only once the handler has started waiting, so the test proves the request was held open.
    const questions = server.questions
    const original = questions.waitForChange
    const waiting = new Promise<void>((resolve) => {
      questions.waitForChange = (...args) => {
        resolve()
        return original.apply(questions, args)
      }
    })
    const polling = get('/api/questions/q-wait?wait=30').then((r) => r.json())
    try {
      await waiting
    } finally {
      questions.waitForChange = original
    }
    await answer('a3', 'q-wait', 'done')
    expect(await polling).toMatchObject({ status: 'answered', answer: 'done' })
  })

  it('?wait returns the still-pending status when the wait passes', async () => {
    await server.app.handle(post('/api/questions', { agent_id: 'a3', question: 'Nobody?', msg_id: 'q-wait-out' }))
    expect(await (await get('/api/questions/q-wait-out?wait=0.1')).json()).toMatchObject({ status: 'pending' })
  })

  it('refuses ?wait over 60 s with 400', async () => {
    await server.app.handle(post('/api/questions', { agent_id: 'a3', question: 'Too long?', msg_id: 'q-wait-61' }))
    expect((await get('/api/questions/q-wait-61?wait=61')).status).toBe(400)
    for (const wait of ['1e9', '-1', 'soon']) {
      const res = await get(`/api/questions/q-wait-61?wait=${wait}`)
      expect([wait, res.status]).toEqual([wait, 400])
      expect(((await res.json()) as { field: string }).field).toBe('query.wait')
    }
    expect((await get('/api/questions/q-wait-61?wait=soon')).status).toBe(400)
  })

  it('answers 404 for an unknown question, also with ?wait and as SSE', async () => {
    expect((await get('/api/questions/q-nope')).status).toBe(404)
    expect((await get('/api/questions/q-nope?wait=5')).status).toBe(404)
    expect((await get('/api/questions/q-nope/events')).status).toBe(404)
  })
})

describe('GET /api/questions/:msg_id/events', () => {
  it('streams the pending status, then the answered one', async () => {
    await server.app.handle(post('/api/questions', { agent_id: 'a4', question: 'Stream it?', msg_id: 'q-sse' }))
    const res = await get('/api/questions/q-sse/events')
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    const first = await readUntil(res, (text) => text.includes('"status":"pending"'))
    expect(first).toContain('event: status\n')
    await answer('a4', 'q-sse', 'streamed')
    const rest = await readUntil(res, (text) => text.includes('"status":"answered"'))
    expect(rest).toContain('"answer":"streamed"')
  })
})

describe('/api/questions with SWITCHBOARD_TOKEN', () => {
  it('refuses a question without the bearer token (401) and takes it with the token', async () => {
    const guarded = await startTestServer({ listen: false, token: 'tok' })
    try {
      const body = JSON.stringify({ agent_id: 'a5', question: 'Allowed?' })
      const headers = { 'content-type': 'application/json' }
      expect((await guarded.app.handle(req('/api/questions', { method: 'POST', headers, body }))).status).toBe(401)
      const ok = await guarded.app.handle(req('/api/questions', { method: 'POST', headers: { ...headers, authorization: 'Bearer tok' }, body }))
      expect(ok.status).toBe(201)
    } finally {
      await guarded.stop()
    }
  })
})
