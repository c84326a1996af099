// The HTTP contract: status codes and reasons for every route, through the real app in-process (app.handle).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeEvent } from '../src/protocol/event'
import { draftKey, ids } from '../src/views/targets'
import { readUntil, startTestServer, type TestServer } from './support/server'
import { nextEvent } from './support/bus'
import { req, post } from './support/http'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ listen: false })
})
afterAll(() => s.stop())

const ev = (id: string, extra: Record<string, unknown> = {}) => ({ id, timestamp: Date.now(), category: 'agent', action: 'started', agent_id: 'h1', payload: {}, ...extra })

function blockedAgent(agentId: string, timeout_s?: number) {
  s.bus.publish(makeEvent('agent', 'started', { agent_id: agentId }))
  return s.questions.ask({ agent_id: agentId, question: 'Proceed?', timeout_s }).msg_id
}

describe('page and assets', () => {
  it('serves the shell with a CSP, fingerprinted assets and the stream starter outside every patch target', async () => {
    const res = await s.app.handle(req('/'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self' 'unsafe-eval'")
    const html = await res.text()
    expect(html).toStartWith('<!doctype html>')
    expect(html).toContain(`<div id="${ids.stream}" hidden data-on-load="@get('/events')"></div>`)
    for (const target of [ids.summary, ids.agentList, ids.blockedList, ids.results, ids.eventList]) expect(html).toContain(`id="${target}"`)
    const script = html.match(/src="(\/assets\/datastar-[0-9a-f]{12}\.js)"/)![1]
    const asset = await s.app.handle(req(script))
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect((await asset.text()).length).toBeGreaterThan(30_000)
  })
  it('answers 404 with a reason for an unknown asset and an unknown route, @elysiajs/html mounted or not', async () => {
    expect((await s.app.handle(req('/assets/nope.js'))).status).toBe(404)
    // @elysiajs/html's global auto-detect hook once turned these into empty 200s (see routes/page.tsx).
    for (const [method, path] of [['GET', '/nowhere'], ['POST', '/nowhere'], ['GET', '/inspect/a/b/c'], ['DELETE', '/']]) {
      const res = await s.app.handle(req(path, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : '{}' }))
      expect(res.status).toBe(404)
      expect(((await res.json()) as { error: string }).error).toBe('no such route')
    }
  })
  it('serves the page through @elysiajs/html as HTML', async () => {
    const res = await s.app.handle(req('/'))
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await res.text()).toStartWith('<!doctype html><html lang="en">')
  })
  it('rejects an unknown log category', async () => {
    const res = await s.app.handle(req('/events?include=weather'))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: string }).error).toContain('unknown category "weather"')
  })
  it('is healthy', async () => expect(await (await s.app.handle(req('/healthz'))).json()).toEqual({ ok: true }))
})

describe('POST /api/events', () => {
  it('accepts one event or an array and counts duplicates', async () => {
    const one = await s.app.handle(post('/api/events', ev('i1')))
    expect(one.status).toBe(202)
    expect(await one.json()).toEqual({ accepted: 1, duplicates: 0, ignored: 0 })
    const many = await s.app.handle(post('/api/events', [ev('i1'), ev('i2'), ev('i3', { timestamp: '2026-11-25T08:00:00Z' })]))
    expect(await many.json()).toEqual({ accepted: 2, duplicates: 1, ignored: 0 })
  })
  it('names the failing field of the failing item', async () => {
    const res = await s.app.handle(post('/api/events', [ev('i4'), ev('i5', { category: 'weather' })]))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ field: '[1].category' })
  })
  it('refuses malformed JSON and oversized bodies', async () => {
    expect((await s.app.handle(post('/api/events', '{"id":'))).status).toBe(400)
    const big = await s.app.handle(post('/api/events', [ev('i6', { payload: { blob: 'x'.repeat(1_100_000) } })]))
    expect(big.status).toBe(413)
  })
  it('refuses an oversized body sent chunked, with no Content-Length to check first (Bun let 2 MB through)', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify([ev('i7', { payload: { blob: 'é'.repeat(600_000) } })]))
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let at = 0; at < bytes.length; at += 64 * 1024) c.enqueue(bytes.subarray(at, at + 64 * 1024))
        c.close()
      },
    })
    const res = await s.app.handle(new Request('http://localhost/api/events', { method: 'POST', headers: { 'content-type': 'application/json', host: 'localhost' }, body: chunked, duplex: 'half' } as RequestInit))
    expect(res.status).toBe(413)
    expect(((await res.json()) as { error: string }).error).toContain('body over 1048576 bytes')
    expect(s.store.has(`i7`)).toBe(false)
  })
  it('caps the name form and OTLP, sent chunked, at their own bounds now that Bun lets Claude Code hooks\' 33 MB through', async () => {
    const chunked = (bytes: number) =>
      new ReadableStream<Uint8Array>({
        pull(c) {
          if (bytes <= 0) return c.close()
          c.enqueue(new Uint8Array(64 * 1024).fill(0x61))
          bytes -= 64 * 1024
        },
      })
    const send = (path: string, type: string, bytes: number) =>
      s.app.handle(new Request(`http://localhost${path}`, { method: 'POST', headers: { 'content-type': type, host: 'localhost' }, body: chunked(bytes), duplex: 'half' } as RequestInit))
    expect((await send('/name', 'application/x-www-form-urlencoded', 1 << 20)).status).toBe(413)
    expect((await send('/v1/traces', 'application/x-protobuf', 3 << 20)).status).toBe(413)
  })
})

describe('POST /agent/:agent_id/respond', () => {
  it('answers once: 200, then 409', async () => {
    const msg_id = blockedAgent('r1')
    const first = await s.app.handle(post('/agent/r1/respond', { msg_id, answer: 'yes' }))
    expect(first.status).toBe(200)
    expect(await first.json()).toMatchObject({ msg_id, answer: 'yes' })
    const second = await s.app.handle(post('/agent/r1/respond', { msg_id, answer: 'no' }))
    expect(second.status).toBe(409)
    expect(((await second.json()) as { error: string }).error).toBeTruthy()
  })
  it('refuses empty and over-4 KB answers with 400', async () => {
    const msg_id = blockedAgent('r2')
    expect((await s.app.handle(post('/agent/r2/respond', { msg_id, answer: '  ' }))).status).toBe(400)
    expect((await s.app.handle(post('/agent/r2/respond', { msg_id, answer: 'x'.repeat(4097) }))).status).toBe(400)
    expect((await s.app.handle(post('/agent/r2/respond', { answer: 'x' }))).status).toBe(400)
    expect((await s.app.handle(post('/agent/r2/respond', { msg_id, answer: 42 }))).status).toBe(400)
  })
  it('answers 404 for an unknown question or another agent’s question', async () => {
    const msg_id = blockedAgent('r3')
    expect((await s.app.handle(post('/agent/r3/respond', { msg_id: 'nope', answer: 'x' }))).status).toBe(404)
    expect((await s.app.handle(post('/agent/someone-else/respond', { msg_id, answer: 'x' }))).status).toBe(404)
  })
  it('answers 410 for a timed-out question', async () => {
    // The service's deadline sweep says when the 1 ms deadline has passed (a fixed 5 ms sleep once stood in for it).
    const timedOut = nextEvent(s.bus, (e) => e.action === 'resumed' && e.agent_id === 'r4' && e.payload.timed_out === true)
    const msg_id = blockedAgent('r4', 0.001)
    await timedOut
    expect((await s.app.handle(post('/agent/r4/respond', { msg_id, answer: 'late' }))).status).toBe(410)
  })
  it('answers 400 naming the field for hostile shapes, where Elysia\'s own message would throw', async () => {
    const odd = await s.app.handle(post('/agent/r1/respond', { msg_id: 1.5, answer: { toString: 1 } }))
    expect(odd.status).toBe(400)
    expect(((await odd.json()) as { field: string }).field).toBe('msg_id')
    const deep = await s.app.handle(post('/agent/r1/respond', `{"msg_id":"m","answer":${'['.repeat(10_000)}${']'.repeat(10_000)}}`))
    expect(deep.status).toBe(400)
    expect(((await deep.json()) as { field: string }).field).toBe('answer')
  })
  it('answers 415 for a body that is not JSON', async () => {
    const res = await s.app.handle(req('/agent/r1/respond', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' }))
    expect(res.status).toBe(415)
  })
  it('answers a Datastar request 204 and tells its tab the outcome in a toast on its own stream', async () => {
    const msg_id = blockedAgent('r5')
    const tab = 'tab-r5'
    const other = await s.app.handle(req(`/events?datastar=${encodeURIComponent(JSON.stringify({ tab: 'someone-else' }))}`))
    const mine = await s.app.handle(req(`/events?datastar=${encodeURIComponent(JSON.stringify({ tab }))}`))
    await readUntil(mine, (t) => t.includes(ids.blockedList))
    const refused = await s.app.handle(post(`/agent/r5/respond?msg_id=${msg_id}`, { tab, responseDraft: { x: 1 } }, { 'datastar-request': 'true' }))
    expect(refused.status).toBe(400)
    expect(await readUntil(mine, (t) => t.includes(`id="${ids.toast}"`))).toContain('toast error')
    const ok = await s.app.handle(post(`/agent/r5/respond?msg_id=${msg_id}`, { tab, responseDraft: { [draftKey(msg_id)]: 'yes' } }, { 'datastar-request': 'true' }))
    expect(ok.status).toBe(204)
    const text = await readUntil(mine, (t) => t.includes('toast ok'))
    expect(text).toContain('Answered “yes”')
    const again = await s.app.handle(post(`/agent/r5/respond?msg_id=${msg_id}`, { tab, responseDraft: { [draftKey(msg_id)]: 'no' } }, { 'datastar-request': 'true' }))
    expect(again.status).toBe(409)
    expect(await readUntil(mine, (t) => t.includes('Already answered: “yes”'))).toBeTruthy()
    // The other tab sees the card go, never this tab's toasts.
    const seen = await readUntil(other, (t) => t.includes(`data: selector #${ids.card(msg_id)}\ndata: mode remove`))
    expect(seen).not.toContain(`id="${ids.toast}"`)
    await mine.body?.cancel()
    await other.body?.cancel()
  })
})

describe('GET /api/snapshot', () => {
  it('returns the view data', async () => {
    const snap = (await (await s.app.handle(req('/api/snapshot'))).json()) as Record<string, unknown[]>
    expect(Object.keys(snap).sort()).toEqual(['agents', 'blocked', 'events', 'graphs', 'progress', 'results'])
    expect(snap.agents!.some((a) => (a as { agent_id: string }).agent_id === 'h1')).toBe(true)
  })
})
