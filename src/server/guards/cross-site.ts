// Cross-site request forgery: a browser write from another site is refused, by Sec-Fetch-Site and by Origin
// (the Fetch Metadata and Origin checks of OWASP's CSRF cheat sheet; SameSite=Strict covers the cookie besides).
import { isWrite, refuse, type Guard } from './refuse'

/** An Origin header names the same host as the request (scheme aside: a TLS proxy may sit in front). */
function sameOrigin(origin: string, host: string): boolean {
  try {
    return new URL(origin).host === host.toLowerCase()
  } catch {
    return false
  }
}

export function crossSiteGuard(): Guard {
  return function checkCrossSite(request) {
    if (!isWrite(request)) return undefined
    if (request.headers.get('sec-fetch-site') === 'cross-site') return refuse(403, 'cross-site requests may not write')
    const origin = request.headers.get('origin')
    if (origin !== null && !sameOrigin(origin, request.headers.get('host') ?? '')) return refuse(403, `requests from ${origin.slice(0, 100)} may not write here`)
    return undefined
  }
}
