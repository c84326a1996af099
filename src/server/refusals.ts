// Every refused request, from the security gate or the error table: one rate-limited log line, and ingest's refusal counter.
import { routes } from '../protocol/routes'
import { logger } from '../telemetry/log'
import { metrics, type Refusal } from '../telemetry/metrics'

const KIND: Record<number, Refusal> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  408: 'timeout',
  409: 'conflict',
  410: 'gone',
  413: 'too_large',
  415: 'unsupported_media_type',
  421: 'misdirected',
  429: 'too_many',
  503: 'unavailable',
}

/** The fixed kind of a refusal status: a label and a throttling key that no client can widen. */
export const refusalKind = (status: number): Refusal => KIND[status] ?? 'other'

const log = logger('refused')

/** Note a request refused with `status` because of `reason` (the text its client is told). */
export function noteRefusal(request: Request, status: number, reason: string): void {
  const kind = refusalKind(status)
  // Not new URL(): a refused Host (`localhost:abc`) makes request.url unparseable, and noting must not throw.
  const path = request.url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0] || '/'
  if (request.method === 'POST' && path === routes.ingest) metrics.eventsRefused.labels(kind).inc()
  // Clipped: a path or a reason may carry what a client sent.
  const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path
  log.warn(`refused ${request.method} ${shown}: ${status} ${kind}: ${reason.slice(0, 300)}`, { method: request.method, path: shown, status, reason: kind, error: reason.slice(0, 300) })
}
