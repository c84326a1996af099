// A real webhook receiver on a real port: records every POST, answers as the test scripts it.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { WEBHOOK_HEADERS as H, type WebhookNotice } from '../../src/protocol/webhook'

export interface Received {
  delivery: string
  attempt: number
  event: string
  headers: Headers
  raw: string
  body: WebhookNotice
}

/** `answer(received, n)`: the response to the n-th POST (from 1); 200 when it returns nothing. */
export function startReceiver(answer: (r: Received, n: number) => Response | Promise<Response> | undefined = () => undefined, port = 0) {
  const received: Received[] = []
  const server = Bun.serve({
    port,
    hostname: '127.0.0.1',
    async fetch(req) {
      const raw = await req.text()
      const r: Received = {
        delivery: req.headers.get(H.delivery) ?? '',
        attempt: Number(req.headers.get(H.attempt)),
        event: req.headers.get(H.event) ?? '',
        headers: req.headers,
        raw,
        body: JSON.parse(raw) as WebhookNotice,
      }
      received.push(r)
      return (await answer(r, received.length)) ?? new Response('ok')
    },
  })
  return { url: `http://127.0.0.1:${server.port}/hook`, port: server.port!, received, stop: () => server.stop(true) }
}

/** What a receiver does with the secret: recompute the signature over "<timestamp>.<body>" and compare in constant time. */
export function validSignature(r: Received, secret: string): boolean {
  const timestamp = r.headers.get(H.timestamp) ?? ''
  const sent = r.headers.get(H.signature) ?? ''
  const expected = `sha256=${createHmac('sha256', secret).update(`${timestamp}.${r.raw}`).digest('hex')}`
  return sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected))
}

/** A receiver that never answers: each POST waits until its sender gives up on it. */
export const startHanging = () => startReceiver(() => new Promise<Response>(() => {}))

/** A receiver whose answers wait until `release()` (a slow one; what it answers then is `answer`'s). */
export function startHeld(answer: () => Response = () => new Response('late')) {
  const waiting: Array<() => void> = []
  let released = false
  const receiver = startReceiver(() => (released ? answer() : new Promise<Response>((resolve) => waiting.push(() => resolve(answer())))))
  const release = () => {
    released = true
    for (const go of waiting.splice(0)) go()
  }
  return { ...receiver, release }
}
