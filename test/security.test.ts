// The security model through the real app in-process (app.handle): the token guards every read and write, browsers sign in once,
// no other site can write, no rebound host name is answered, and auth comes before the body.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeEvent } from '../src/protocol/event'
import { SESSION_COOKIE, Sessions } from '../src/server/session'
import { startTestServer, type TestServer } from './support/server'
import { req, post } from './support/http'

const TOKEN = 's3cret-token'
let open: TestServer
let guarded: TestServer
beforeAll(async () => {
  open = await startTestServer({ listen: false })
  guarded = await startTestServer({ listen: false, token: TOKEN, allowedHosts: ['board.example.com'] })
})
afterAll(async () => {
  await open.stop()
  await guarded.stop()
})

const event = (id: string) => ({ id, timestamp: Date.now(), category: 'agent', action: 'started', agent_id: 'sec', payload: {} })
const bearer = { authorization: `Bearer ${TOKEN}` }

/** The session cookie a browser gets for the right token, as a Cookie header. */
async function signIn(s: TestServer): Promise<string> {
  const res = await s.app.handle(req('/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: s.url },
    body: `token=${encodeURIComponent(TOKEN)}`,
    redirect: 'manual',
  }))
  expect(res.status).toBe(303)
  const cookie = res.headers.get('set-cookie')!
  expect(cookie).toContain('HttpOnly')
  expect(cookie).toContain('SameSite=Strict')
  expect(cookie).toMatch(/Max-Age=\d+/)
  return cookie.split(';')[0]!
}

describe('with SWITCHBOARD_TOKEN set', () => {
  const reads = ['/', '/events', '/api/snapshot', '/api/questions/any', '/inspect', '/inspect/-/dashboard']

  it('refuses every read and write without the token, 401 before the body is even looked at', async () => {
    for (const path of reads) expect([path, (await guarded.app.handle(req(path))).status]).toEqual([path, 401])
    // A malformed body and a wrong content type would be 400 and 415: auth answers first.
    expect((await guarded.app.handle(req('/api/events', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' }))).status).toBe(401)
    expect((await guarded.app.handle(req('/api/questions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }))).status).toBe(401)
    expect((await guarded.app.handle(post('/agent/a/respond', { msg_id: 'm', answer: 'x' }))).status).toBe(401)
    expect((await guarded.app.handle(post('/api/events', event('w1'), { authorization: 'Bearer wrong' }))).status).toBe(401)
    const body = (await (await guarded.app.handle(req('/api/snapshot'))).json()) as { error: string }
    expect(body.error).toContain('Authorization: Bearer')
  })

  it('lets API clients in with the bearer token, reads and writes', async () => {
    expect((await guarded.app.handle(post('/api/events', event('w2'), bearer))).status).toBe(202)
    for (const path of reads.filter((p) => p !== '/events' && p !== '/api/questions/any'))
      expect([path, (await guarded.app.handle(req(path, { headers: bearer }))).status]).toEqual([path, 200])
  })

  it('keeps /healthz, the sign-in form and the assets open', async () => {
    expect((await guarded.app.handle(req('/healthz'))).status).toBe(200)
    expect((await guarded.app.handle(req('/login'))).status).toBe(200)
    const page = await (await guarded.app.handle(req('/login'))).text()
    const css = /href="(\/assets\/app-[^"]+\.css)"/.exec(page)![1]!
    expect((await guarded.app.handle(req(css))).status).toBe(200)
  })

  it('shows a browser the sign-in form instead of the page, and the page after signing in', async () => {
    const first = await guarded.app.handle(req('/', { headers: { accept: 'text/html' } }))
    expect(first.status).toBe(401)
    const form = await first.text()
    expect(form).toContain('action="/login"')
    expect(form).toContain('type="password"')
    expect(form).not.toContain('id="stream"')
    const cookie = await signIn(guarded)
    const page = await guarded.app.handle(req('/', { headers: { accept: 'text/html', cookie } }))
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('id="stream"')
    expect(html).toContain('action="/logout"')
    // The session answers from the page too: the respond POST a card makes carries only the cookie.
    guarded.bus.publish(makeEvent('agent', 'started', { agent_id: 'cookie-agent' }))
    const { msg_id } = guarded.questions.ask({ agent_id: 'cookie-agent', question: 'Through the page?' })
    const answered = await guarded.app.handle(post(`/agent/cookie-agent/respond?msg_id=${msg_id}`, { answer: 'yes' }, { cookie, origin: guarded.url }))
    expect(answered.status).toBe(200)
  })

  it('refuses a wrong token at sign-in, and a forged, expired or signed-out session', async () => {
    const wrong = await guarded.app.handle(req('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'token=nope',
      redirect: 'manual',
    }))
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get('set-cookie')).toBeNull()
    expect(await wrong.text()).toContain('not the one')
    const forged = `${SESSION_COOKIE}=${Date.now() + 60_000}.${'0'.repeat(64)}`
    expect((await guarded.app.handle(req('/api/snapshot', { headers: { cookie: forged } }))).status).toBe(401)
    const expired = new Sessions(TOKEN, 1_000, () => Date.now() - 10_000).issue()
    expect((await guarded.app.handle(req('/api/snapshot', { headers: { cookie: `${SESSION_COOKIE}=${expired}` } }))).status).toBe(401)
    const otherToken = new Sessions('another token').issue()
    expect((await guarded.app.handle(req('/api/snapshot', { headers: { cookie: `${SESSION_COOKIE}=${otherToken}` } }))).status).toBe(401)
    const cookie = await signIn(guarded)
    expect((await guarded.app.handle(req('/api/snapshot', { headers: { cookie } }))).status).toBe(200)
    const out = await guarded.app.handle(req('/logout', { method: 'POST', headers: { origin: guarded.url, cookie }, redirect: 'manual' }))
    expect(out.status).toBe(303)
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
    // Signed out means signed out: the old cookie, replayed, no longer counts.
    expect((await guarded.app.handle(req('/api/snapshot', { headers: { cookie } }))).status).toBe(401)
  })
})

describe('cross-site writes', () => {
  it('refuses form posts (urlencoded, multipart, text) with 415: writes take JSON only', async () => {
    const form = new FormData()
    form.set('id', 'csrf-1')
    for (const path of ['/api/events', '/api/questions', '/agent/a/respond']) {
      expect((await open.app.handle(req(path, { method: 'POST', body: new URLSearchParams({ id: 'csrf' }) }))).status).toBe(415)
      expect((await open.app.handle(req(path, { method: 'POST', body: form }))).status).toBe(415)
      expect((await open.app.handle(req(path, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }))).status).toBe(415)
    }
  })

  it('refuses a write from another origin or marked cross-site with 403; same-origin pages and API clients pass', async () => {
    expect((await open.app.handle(post('/api/events', event('x1'), { origin: 'https://evil.example' }))).status).toBe(403)
    expect((await open.app.handle(post('/api/events', event('x2'), { origin: 'null' }))).status).toBe(403)
    expect((await open.app.handle(post('/api/events', event('x3'), { 'sec-fetch-site': 'cross-site' }))).status).toBe(403)
    expect((await open.app.handle(post('/api/events', event('x4'), { origin: open.url, 'sec-fetch-site': 'same-origin' }))).status).toBe(202)
    expect((await open.app.handle(post('/api/events', event('x5')))).status).toBe(202)
  })
})

describe('DNS rebinding', () => {
  const withHost = (s: TestServer, path: string, host: string, init: RequestInit = {}) =>
    s.app.handle(req(path, { ...init, headers: { ...(init.headers as Record<string, string>), host } }))

  it('answers only loopback names and the configured public host', async () => {
    const port = 3000 // in-process there is no bound port; the guard reads the name and the port's syntax only
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'LOCALHOST'])
      expect([host, (await withHost(open, '/api/snapshot', host)).status]).toEqual([host, 200])
    for (const host of ['rebind.evil.example', `rebind.evil.example:${port}`, '127.0.0.1.evil.example', ''])
      expect([host, (await withHost(open, '/api/snapshot', host)).status]).toEqual([host, 421])
    const respond = await withHost(open, '/agent/a/respond', 'rebind.evil.example', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msg_id: 'm', answer: 'x' }),
    })
    expect(respond.status).toBe(421)
    expect((await withHost(guarded, '/healthz', 'board.example.com')).status).toBe(200)
    expect((await withHost(guarded, '/healthz', 'other.example.com')).status).toBe(421)
    // A Host that is no host at all is a 400, not a 500.
    for (const host of ['localhost:abc', `localhost:${port},evil.com`, '[::1]x', 'a b', 'localhost:99999'])
      expect([host, (await withHost(open, '/api/snapshot', host)).status]).toEqual([host, 400])
  })
})

describe('caching', () => {
  it('marks dynamic responses no-store and fingerprinted assets immutable', async () => {
    for (const path of ['/', '/api/snapshot', '/healthz']) expect((await open.app.handle(req(path))).headers.get('cache-control')).toBe('no-store')
    const page = await (await open.app.handle(req('/'))).text()
    const asset = /src="(\/assets\/datastar-[^"]+\.js)"/.exec(page)![1]!
    expect((await open.app.handle(req(asset))).headers.get('cache-control')).toContain('immutable')
  })
})
