// Security at the edge, before any body is read: Host (DNS rebinding), cross-site writes, the token, JSON-only writes.
import { Elysia } from 'elysia'
import { routes } from '../protocol/routes'
import { noteRefusal } from './refusals'
import { cookieValue, SESSION_COOKIE, sameSecret, type Sessions } from './session'

// Datastar evaluates expressions with Function, hence 'unsafe-eval' for scripts; styles allow the
// inline width of the progress bar.
export const CSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  // Not no-referrer: with it Chromium sends `Origin: null` on the page's own form posts, which the
  // cross-site check must refuse; same-origin keeps our Origin and still tells other sites nothing.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])
/** a name or IPv4 address, or a bracketed IPv6 address, and an optional port */
const HOST_SYNTAX = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]{2,45}\])(?::\d{1,5})?$/i
/** Routes open without the token: liveness and readiness (load balancers send none), signing in and out, and the fingerprinted assets. */
const OPEN = new Set<string>([routes.health, routes.ready, routes.login, routes.logout])
/** Writes that are browser forms by design (urlencoded), guarded by Origin and SameSite instead. */
const FORM_WRITES = new Set<string>([routes.login, routes.logout, routes.name])
/** OTLP/HTTP speaks protobuf as well as JSON, on its one route only. */
const OTLP_TYPE = /^application\/(?:x-protobuf|json)\b/i

export interface SecurityOptions {
  token?: string
  /** SWITCHBOARD_METRICS_TOKEN: a Bearer token that opens /metrics alone, for a scraper */
  metricsToken?: string
  sessions?: Sessions
  /** Host header values accepted besides loopback names (SWITCHBOARD_PUBLIC_URL, the bound address) */
  allowedHosts?: readonly string[]
  /** what an unauthenticated browser asking for a page sees instead */
  signInPage?: () => string
}

/** The host name of a Host header, without the port: `[::1]:3000` → `[::1]`. */
export function hostName(host: string): string {
  const h = host.toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  return h.split(':')[0]!
}

/** Why each refusal was made, for its log line without reading the body back. */
const reasons = new WeakMap<Response, string>()

function json(status: number, body: { error: string }, extra: Record<string, string> = {}): Response {
  const response = new Response(JSON.stringify(body), { status, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json', ...extra } })
  reasons.set(response, body.error)
  return response
}

const bearer = (request: Request) => {
  const header = request.headers.get('authorization')
  return header?.startsWith('Bearer ') ? header.slice(7) : undefined
}

export function isAuthorized(request: Request, token: string, sessions: Sessions | undefined): boolean {
  const given = bearer(request)
  if (given !== undefined) return sameSecret(given, token)
  return !!sessions?.valid(cookieValue(request.headers.get('cookie'), SESSION_COOKIE))
}

/** Why this request is refused before it is routed, as a response; undefined lets it through. */
export function gate(request: Request, options: SecurityOptions): Response | undefined {
  const host = request.headers.get('host') ?? ''
  if (host && !HOST_SYNTAX.test(host)) return json(400, { error: 'the Host header is not a host name with an optional port' })
  if (!LOOPBACK.has(hostName(host)) && !options.allowedHosts?.includes(host.toLowerCase()) && !options.allowedHosts?.includes(hostName(host)))
    return json(421, { error: `Host "${host.slice(0, 100)}" is not a name this server answers to (a public deployment sets SWITCHBOARD_PUBLIC_URL)` })
  // Without a Host, Bun's request.url is the bare path: resolve it against anything.
  const url = new URL(request.url, 'http://localhost')
  const write = request.method !== 'GET' && request.method !== 'HEAD'
  if (write) {
    if (request.headers.get('sec-fetch-site') === 'cross-site') return json(403, { error: 'cross-site requests may not write' })
    const origin = request.headers.get('origin')
    if (origin !== null && !sameOrigin(origin, host)) return json(403, { error: `requests from ${origin.slice(0, 100)} may not write here` })
  }
  const open = OPEN.has(url.pathname) || url.pathname.startsWith(routes.assets)
  if (url.pathname === routes.metrics && options.metricsToken) {
    const given = bearer(request)
    // The scraper's token opens /metrics and nothing else; the main token and a session open it too.
    if (given !== undefined && sameSecret(given, options.metricsToken)) return undefined
    if (!options.token || !isAuthorized(request, options.token, options.sessions))
      return json(401, { error: 'send Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>' }, { 'www-authenticate': 'Bearer' })
  }
  if (options.token && !open && !isAuthorized(request, options.token, options.sessions)) {
    const page = request.method === 'GET' && request.headers.get('accept')?.includes('text/html')
    if (page && options.signInPage)
      return new Response(options.signInPage(), { status: 401, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' } })
    return json(401, { error: 'sign in, or send Authorization: Bearer <SWITCHBOARD_TOKEN>' }, { 'www-authenticate': 'Bearer' })
  }
  const withBody = request.method === 'POST' || request.method === 'PUT' || request.method === 'PATCH'
  const type = request.headers.get('content-type') ?? ''
  if (withBody && url.pathname === routes.otlpTraces) {
    if (!OTLP_TYPE.test(type)) return json(415, { error: 'content-type must be application/x-protobuf or application/json' })
  } else if (withBody && !FORM_WRITES.has(url.pathname) && !type.toLowerCase().startsWith('application/json'))
    return json(415, { error: 'content-type must be application/json' })
  return undefined
}

/** An Origin header names the same host as the request (scheme aside: a TLS proxy may sit in front). */
function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host.toLowerCase()
  } catch {
    return false
  }
}

export function security(options: SecurityOptions) {
  // onRequest runs before routing and body parsing: a refusal costs no read of the body.
  return new Elysia().onRequest(({ request, set }) => {
    Object.assign(set.headers, SECURITY_HEADERS)
    const refusal = gate(request, options)
    // The sign-in page is how a browser starts, not a refusal worth a line.
    const reason = refusal && reasons.get(refusal)
    if (refusal && reason !== undefined) noteRefusal(request, refusal.status, reason)
    return refusal
  })
}
