// Security at the edge, before any body is read: one guard per concern, run in this order, the first refusal answers.
import { Elysia } from 'elysia'
import { noteRefusal } from './refusals'
import type { Sessions } from './session'
import { authGuard } from './guards/auth'
import { contentTypeGuard } from './guards/content-type'
import { crossSiteGuard } from './guards/cross-site'
import { hostGuard } from './guards/host'
import { refusalReason, SECURITY_HEADERS, type Guard } from './guards/refuse'

export { CSP } from './guards/refuse'
export { hostName } from './guards/host'
export { isAuthorized } from './guards/auth'

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

/**
 * Host first (a rebound name learns nothing, not even that it needs a token), then cross-site writes (a forged
 * write is refused whoever's cookie it carries), then auth (before the content type, so a stranger learns no
 * route's rules), then the content type.
 */
export function guards(options: SecurityOptions): Guard[] {
  return [hostGuard(options.allowedHosts), crossSiteGuard(), authGuard(options), contentTypeGuard()]
}

/**
 * The request's path and query. Without a Host, Bun's request.url is the bare path; with a Host the host guard
 * refuses (`localhost:99999`), the URL does not parse: either way only the path matters to the guards.
 */
function pathOf(request: Request): URL {
  // Appended, not resolved: a path of `//x/healthz` must stay that path, not become host x's `/healthz`.
  const path = request.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
  return new URL(`http://localhost${path.startsWith('/') ? path : `/${path}`}`)
}

export function security(options: SecurityOptions) {
  const chain = guards(options)
  // onRequest runs before routing and body parsing: a refusal costs no read of the body.
  return new Elysia().onRequest(({ request, set }) => {
    Object.assign(set.headers, SECURITY_HEADERS)
    const url = pathOf(request)
    for (const guard of chain) {
      const refusal = guard(request, url)
      if (!refusal) continue
      const reason = refusalReason(refusal)
      if (reason !== undefined) noteRefusal(request, refusal.status, reason)
      return refusal
    }
  })
}
