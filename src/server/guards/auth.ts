// Who may read or write: the token (a Bearer header or a signed-in session), the metrics token for /metrics alone,
// and the few routes open to anyone. Checked before the body is read.
import { routes } from '../../protocol/routes'
import { cookieValue, SESSION_COOKIE, sameSecret, type Sessions } from '../session'
import { refuse, SECURITY_HEADERS, type Guard } from './refuse'

/** Routes open without the token: liveness and readiness (load balancers send none), signing in and out, and the fingerprinted assets. */
const OPEN = new Set<string>([routes.health, routes.ready, routes.login, routes.logout])

export interface AuthOptions {
  token?: string
  /** SWITCHBOARD_METRICS_TOKEN: a Bearer token that opens /metrics alone, for a scraper */
  metricsToken?: string
  sessions?: Sessions
  /** what an unauthenticated browser asking for a page sees instead */
  signInPage?: () => string
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

export function authGuard({ token, metricsToken, sessions, signInPage }: AuthOptions): Guard {
  const signedIn = (request: Request) => !token || isAuthorized(request, token, sessions)
  return function checkAuth(request, url) {
    if (url.pathname === routes.metrics && metricsToken) {
      const given = bearer(request)
      // The scraper's token opens /metrics and nothing else; the main token and a session open it too.
      if (given !== undefined && sameSecret(given, metricsToken)) return undefined
      if (!token || !isAuthorized(request, token, sessions))
        return refuse(401, 'send Authorization: Bearer <SWITCHBOARD_METRICS_TOKEN>', { 'www-authenticate': 'Bearer' })
    }
    if (OPEN.has(url.pathname) || url.pathname.startsWith(routes.assets) || signedIn(request)) return undefined
    const page = request.method === 'GET' && request.headers.get('accept')?.includes('text/html')
    // The sign-in page is how a browser starts: a 401 with the form, not a refusal worth a log line.
    if (page && signInPage) return new Response(signInPage(), { status: 401, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8' } })
    return refuse(401, 'sign in, or send Authorization: Bearer <SWITCHBOARD_TOKEN>', { 'www-authenticate': 'Bearer' })
  }
}
