// One POST of a delivery: its headers and signature, cut off at the timeout on the notifier's clock, no redirect followed.
import { WEBHOOK_HEADERS as H } from '../protocol/webhook'
import type { Delivery } from './outbox'
import { retryAfterMs, type RetryClock } from './retry'
import { signature } from './sign'

export interface AttemptOptions {
  attempt: number
  secret?: string
  timeoutMs: number
  clock: RetryClock
  /** the notifier stopping: the POST is abandoned and its attempt not counted */
  stopping: AbortSignal
}

/** What came of it: an HTTP status (and its Retry-After), a reason it got none, or `stopped`. */
export type AttemptResult = { status: number; after?: number } | { error: string } | { stopped: true }

export async function attempt(d: Delivery, o: AttemptOptions): Promise<AttemptResult> {
  const timestamp = Math.floor(o.clock.now() / 1000)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Switchboard-Webhook/1',
    [H.delivery]: d.delivery_id,
    [H.event]: d.event,
    [H.attempt]: String(o.attempt),
    [H.timestamp]: String(timestamp),
  }
  if (o.secret) headers[H.signature] = signature(o.secret, timestamp, d.body)
  // On the injected clock, not AbortSignal.timeout: a test moves time past a hanging receiver's timeout instead of waiting it out.
  const timeout = new AbortController()
  const timer = o.clock.setTimeout(() => timeout.abort(), o.timeoutMs)
  try {
    // `manual`: a redirect is the receiver's answer, not followed (a POST turned into a GET would lose the body,
    // and a receiver's redirect could point the signed notice anywhere); retry.ts's verdict makes it final.
    const res = await fetch(d.url, { method: 'POST', headers, body: d.body, redirect: 'manual', signal: AbortSignal.any([timeout.signal, o.stopping]) })
    const after = retryAfterMs(res.headers.get('retry-after'), o.clock.now())
    await res.body?.cancel()
    return { status: res.status, after }
  } catch (e) {
    if (o.stopping.aborted) return { stopped: true }
    return { error: timeout.signal.aborted ? `no answer within ${o.timeoutMs} ms` : String(e) }
  } finally {
    o.clock.clearTimeout(timer)
  }
}
