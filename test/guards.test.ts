// Each security guard on its own, called with a Request as the server receives it: one concern, one describe.
import { describe, expect, it } from 'bun:test'
import { authGuard } from '../src/server/guards/auth'
import { contentTypeGuard } from '../src/server/guards/content-type'
import { crossSiteGuard } from '../src/server/guards/cross-site'
import { hostGuard } from '../src/server/guards/host'
import { refusalReason, type Guard } from '../src/server/guards/refuse'
import { guards } from '../src/server/security'
import { SESSION_COOKIE, Sessions } from '../src/server/session'
import { req } from './support/http'

const request = (path: string, init: RequestInit = {}) => req(`http://127.0.0.1:3000${path}`, init)
const run = (guard: Guard, r: Request) => guard(r, new URL(r.url))
const statusOf = (guard: Guard, r: Request) => run(guard, r)?.status

describe('the host guard', () => {
  const guard = hostGuard(['board.example.com'])

  it('answers loopback names with any port, and the configured hosts', () => {
    for (const host of ['localhost', '127.0.0.1:3000', '[::1]:8080', 'LOCALHOST:1', 'localhost:0', 'localhost:65535', 'board.example.com', 'board.example.com:443'])
      expect([host, statusOf(guard, request('/', { headers: { host } }))]).toEqual([host, undefined])
  })

  it('refuses a rebound name with 421, and a Host that is not a host with 400', async () => {
    const rebound = run(guard, request('/', { headers: { host: 'evil.example:3000' } }))!
    expect(rebound.status).toBe(421)
    expect(((await rebound.json()) as { error: string }).error).toContain('SWITCHBOARD_PUBLIC_URL')
    // A port past 65535 is no port: Bun's request.url with it does not parse (it was a 500 on every route).
    for (const host of ['localhost:abc', 'a b', 'localhost/x', 'x'.repeat(300), 'localhost:99999', '[::1]:65536', 'localhost:'])
      expect([host, statusOf(guard, request('/', { headers: { host } }))]).toEqual([host, 400])
  })

  it('allows no host but loopback when none is configured', () => {
    expect(statusOf(hostGuard(), request('/', { headers: { host: 'board.example.com' } }))).toBe(421)
  })
})

describe('the cross-site guard', () => {
  const guard = crossSiteGuard()

  it('refuses a write marked cross-site, or from another origin, with 403', () => {
    expect(statusOf(guard, request('/api/events', { method: 'POST', headers: { 'sec-fetch-site': 'cross-site' } }))).toBe(403)
    expect(statusOf(guard, request('/api/events', { method: 'POST', headers: { origin: 'https://evil.example' } }))).toBe(403)
    expect(statusOf(guard, request('/api/events', { method: 'DELETE', headers: { origin: 'null' } }))).toBe(403)
  })

  it('lets through writes from our own origin or with no origin (API clients), and every read', () => {
    expect(statusOf(guard, request('/api/events', { method: 'POST', headers: { origin: 'http://127.0.0.1:3000' } }))).toBeUndefined()
    // Scheme aside: a TLS proxy in front sees https while we see http.
    expect(statusOf(guard, request('/api/events', { method: 'POST', headers: { origin: 'https://127.0.0.1:3000' } }))).toBeUndefined()
    expect(statusOf(guard, request('/api/events', { method: 'POST' }))).toBeUndefined()
    expect(statusOf(guard, request('/', { headers: { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' } }))).toBeUndefined()
  })
})

describe('the auth guard', () => {
  const sessions = new Sessions('tok')
  const guard = authGuard({ token: 'tok', metricsToken: 'scrape', sessions, signInPage: () => '<form>sign in</form>' })

  it('opens nothing without the token but health, readiness, sign-in and the assets', () => {
    for (const path of ['/', '/api/snapshot', '/events', '/metrics', '/inspect']) expect([path, statusOf(guard, request(path))]).toEqual([path, 401])
    for (const path of ['/healthz', '/readyz', '/login', '/logout', '/assets/app-123.css']) expect([path, statusOf(guard, request(path))]).toEqual([path, undefined])
  })

  it('takes the bearer token or a valid session cookie, and nothing else', () => {
    expect(statusOf(guard, request('/api/snapshot', { headers: { authorization: 'Bearer tok' } }))).toBeUndefined()
    expect(statusOf(guard, request('/api/snapshot', { headers: { authorization: 'Bearer tok2' } }))).toBe(401)
    expect(statusOf(guard, request('/api/snapshot', { headers: { cookie: `${SESSION_COOKIE}=${sessions.issue()}` } }))).toBeUndefined()
    expect(statusOf(guard, request('/api/snapshot', { headers: { cookie: `${SESSION_COOKIE}=forged` } }))).toBe(401)
  })

  it('opens /metrics alone with the metrics token', () => {
    const scraper = { authorization: 'Bearer scrape' }
    expect(statusOf(guard, request('/metrics', { headers: scraper }))).toBeUndefined()
    expect(statusOf(guard, request('/api/snapshot', { headers: scraper }))).toBe(401)
    expect(statusOf(guard, request('/metrics', { headers: { authorization: 'Bearer tok' } }))).toBeUndefined()
  })

  it('shows a browser the sign-in page, with no refusal reason to log', async () => {
    const page = run(guard, request('/', { headers: { accept: 'text/html' } }))!
    expect(page.status).toBe(401)
    expect(await page.text()).toContain('sign in')
    expect(refusalReason(page)).toBeUndefined()
    const api = run(guard, request('/api/snapshot'))!
    expect(api.headers.get('www-authenticate')).toBe('Bearer')
    expect(refusalReason(api)).toContain('Authorization: Bearer')
  })

  it('without a token, lets everyone in', () => {
    expect(statusOf(authGuard({}), request('/api/snapshot'))).toBeUndefined()
  })
})

describe('the content-type guard', () => {
  const guard = contentTypeGuard()
  const post = (path: string, type?: string) => request(path, { method: 'POST', headers: type === undefined ? {} : { 'content-type': type } })

  it('takes JSON writes, and refuses any other body type with 415', () => {
    expect(statusOf(guard, post('/api/events', 'application/json'))).toBeUndefined()
    expect(statusOf(guard, post('/api/events', 'Application/JSON; charset=utf-8'))).toBeUndefined()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', '', undefined])
      expect([type, statusOf(guard, post('/api/events', type))]).toEqual([type, 415])
  })

  it('takes the sign-in and name forms urlencoded, and OTLP as protobuf or JSON only', () => {
    for (const path of ['/login', '/logout', '/name']) expect(statusOf(guard, post(path, 'application/x-www-form-urlencoded'))).toBeUndefined()
    expect(statusOf(guard, post('/v1/traces', 'application/x-protobuf'))).toBeUndefined()
    expect(statusOf(guard, post('/v1/traces', 'application/json'))).toBeUndefined()
    expect(statusOf(guard, post('/v1/traces', 'text/plain'))).toBe(415)
  })

  it('leaves bodiless methods alone', () => {
    expect(statusOf(guard, request('/api/events'))).toBeUndefined()
    expect(statusOf(guard, request('/api/events', { method: 'DELETE' }))).toBeUndefined()
  })
})

describe('the guards in order', () => {
  const chain = guards({ token: 'tok', allowedHosts: [] })
  const first = (r: Request) => chain.map((g) => run(g, r)).find(Boolean)?.status

  it('answers a rebound host before the token, a forged write before the token, the token before the content type', () => {
    expect(first(request('/api/events', { method: 'POST', headers: { host: 'evil.example' } }))).toBe(421)
    expect(first(request('/api/events', { method: 'POST', headers: { origin: 'https://evil.example', 'content-type': 'application/json' } }))).toBe(403)
    expect(first(request('/api/events', { method: 'POST', headers: { 'content-type': 'text/plain' } }))).toBe(401)
    expect(first(request('/api/events', { method: 'POST', headers: { authorization: 'Bearer tok', 'content-type': 'text/plain' } }))).toBe(415)
  })
})

describe('refusal kinds', () => {
  it('names the MCP body deadline and the per-client cap, not "other"', async () => {
    const { refusalKind } = await import('../src/server/refusals')
    expect(refusalKind(408)).toBe('timeout')
    expect(refusalKind(429)).toBe('too_many')
    expect(refusalKind(418)).toBe('other')
  })
})
