// Writes speak JSON (a browser form cannot send it cross-site without a preflight); the sign-in and name forms are
// urlencoded by design, and OTLP/HTTP speaks protobuf as well as JSON on its one route.
import { isWritePath, routes } from '../../protocol/routes'
import { refuse, type Guard } from './refuse'

/** Writes that are browser forms by design (urlencoded), guarded by Origin and SameSite instead. */
const FORM_WRITES = new Set<string>([routes.login, routes.logout, routes.name])
const OTLP_TYPE = /^application\/(?:x-protobuf|json)\b/i
const JSON_TYPE = /^application\/json\b/i

export function contentTypeGuard(): Guard {
  return function checkContentType(request, url) {
    if (request.method !== 'POST' && request.method !== 'PUT' && request.method !== 'PATCH') return undefined
    // A path nothing answers is the router's 404, whatever the body: an exporter sent to a wrong path learns that.
    if (!isWritePath(url.pathname)) return undefined
    const type = request.headers.get('content-type') ?? ''
    if (url.pathname === routes.otlpTraces)
      return OTLP_TYPE.test(type) ? undefined : refuse(415, 'content-type must be application/x-protobuf or application/json')
    if (FORM_WRITES.has(url.pathname) || JSON_TYPE.test(type)) return undefined
    return refuse(415, 'content-type must be application/json')
  }
}
