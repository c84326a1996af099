// One bad webhook receiver does not slow the good ones: real receivers on real ports (hanging, slow, failing,
// redirecting, good), each with its own slots and backoff; time moves on a ManualClock, so no backoff is waited out.
import { afterEach, describe, expect, it } from 'bun:test'
import { startHanging, startHeld, startReceiver } from './support/receiver'
import { startTestServer, type TestServer } from './support/server'
import { ManualClock } from './support/clock'
import { post, until } from './support/http'

const N = 90
// Longer than any test run: a POST is cut off when the clock says so, never by real time racing the test.
const TIMEOUT_MS = 600_000
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function track<T extends { stop: () => unknown }>(receiver: T): T {
  cleanups.push(receiver.stop)
  return receiver
}

const failures = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `n-${i}`, timestamp: Date.now(), category: 'agent', action: 'failed', agent_id: `ag-${i}`, payload: { error: 'boom' } }))
/** The delivery ids of the N notices to the URL at `index` in SWITCHBOARD_WEBHOOK_URL. */
const ids = (index: number) => Array.from({ length: N }, (_, i) => `n-${i}:${index}`)
const distinct = (r: { received: Array<{ delivery: string }> }) => [...new Set(r.received.map((x) => x.delivery))].sort()
const rows = (s: TestServer, index: number) => ids(index).map((id) => s.notifier!.outbox.get(id)!)

async function startOn(clock: ManualClock, urls: string[]) {
  const server = await startTestServer({ webhooks: { urls, clock, timeoutMs: TIMEOUT_MS } })
  cleanups.push(server.stop)
  expect((await fetch(post(`${server.url}/api/events`, failures(N)))).status).toBe(202)
  return server
}

describe('webhook receivers are isolated', () => {
  it('a good receiver gets all 90 notices while a hanging, a slow, a failing and a redirecting one hold only their own slots', async () => {
    const clock = new ManualClock()
    const t0 = clock.now()
    const good = track(startReceiver())
    const hang = track(startHanging())
    const slow = track(startHeld())
    const down = track(startReceiver(() => new Response('down', { status: 500 })))
    // It points at the good receiver: followed, the good one would get a second copy of each notice.
    const moved = track(startReceiver(() => new Response(null, { status: 302, headers: { location: good.url } })))
    const server = await startOn(clock, [hang.url, slow.url, down.url, moved.url, good.url])

    // Regression: with one pool of 4 slots the hanging and the slow receiver held them all and the good one stalled.
    await until('all 90 at the good receiver', () => good.received.length >= N)
    expect(distinct(good)).toEqual(ids(4).sort())
    // The bad ones' attempts are still pending: 2 POSTs each open to the hanging and the slow one, nothing recorded yet.
    await until('2 POSTs at each of the hanging and the slow one', () => hang.received.length === 2 && slow.received.length === 2)
    expect([hang, slow].map((r) => server.notifier!.receiver(r.url)!.inflight)).toEqual([2, 2])
    expect(rows(server, 0).every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true)
    // The failing one was tried at most once per slot and waits out its backoff holding none.
    const held = await until('the failing one in its backoff, no POST open', () => {
      const r = server.notifier!.receiver(down.url)!
      return r.inflight === 0 && r.failures > 0 && r
    })
    expect(down.received.length).toBeLessThanOrEqual(2)
    expect(held).toMatchObject({ inflight: 0, failures: 1 })
    expect(held.heldUntil - t0).toBeGreaterThanOrEqual(1_000)
    expect(held.heldUntil - t0).toBeLessThanOrEqual(2_000)
    expect(rows(server, 2).filter((d) => d.attempts > 0).length).toBe(down.received.length)
    // A redirect is final, and not followed.
    await until('every redirected notice recorded', () => rows(server, 3).every((d) => d.status === 'failed'))
    expect(rows(server, 3).every((d) => d.last_status === 302 && d.attempts === 1)).toBe(true)
    expect(good.received.length).toBe(N)

    // The failing one keeps trying, 2 at a time, each wait twice the last.
    clock.advance(held.heldUntil - clock.now())
    await until('the second round recorded', () => server.notifier!.receiver(down.url)!.failures === 2 && server.notifier!.receiver(down.url)!.inflight === 0)
    const again = server.notifier!.receiver(down.url)!
    expect(down.received.length).toBeLessThanOrEqual(4)
    expect(again.heldUntil - clock.now()).toBeGreaterThanOrEqual(2_000)
    expect(again.heldUntil - clock.now()).toBeLessThanOrEqual(4_000)

    // The slow one answers (as one taking 8 s would) and gets its backlog through its own slots.
    slow.release()
    await until('all 90 at the slow receiver', () => distinct(slow).length === N)
    // At its timeout the hanging one's POSTs are cut off and it backs off; it got no more than its 2 slots' worth.
    clock.advance(t0 + TIMEOUT_MS - clock.now())
    await until('the hanging POSTs recorded', () => rows(server, 0).filter((d) => d.attempts === 1).length === 2)
    expect(rows(server, 0).filter((d) => d.attempts === 1).map((d) => d.last_error)).toEqual([`no answer within ${TIMEOUT_MS} ms`, `no answer within ${TIMEOUT_MS} ms`])
    expect(server.notifier!.receiver(hang.url)).toMatchObject({ inflight: 0, failures: 1 })
    expect(hang.received.length).toBe(2)
  })

  it('a receiver that recovers gets its whole backlog, each notice once', async () => {
    const clock = new ManualClock()
    let up = false
    const good = track(startReceiver())
    const hang = track(startHanging())
    const down = track(startReceiver(() => (up ? undefined : new Response('down', { status: 503 }))))
    const server = await startOn(clock, [hang.url, down.url, good.url])
    await until('all 90 at the good receiver', () => good.received.length >= N)
    const held = await until('the failing one in its backoff', () => server.notifier!.receiver(down.url)!.heldUntil)
    expect(rows(server, 1).filter((d) => d.status === 'delivered')).toEqual([])

    up = true
    clock.advance(held - clock.now())
    await until('the backlog delivered', () => rows(server, 1).every((d) => d.status === 'delivered'))
    expect(distinct(down)).toEqual(ids(1).sort())
    // Each notice was delivered once: only the ones tried while it was down were sent more than once.
    const tries = down.received.length - N
    expect(tries).toBeGreaterThanOrEqual(1)
    expect(tries).toBeLessThanOrEqual(2)
    expect(server.notifier!.receiver(down.url)).toMatchObject({ failures: 0, heldUntil: 0 })
    expect(good.received.length).toBe(N)
  })
})
