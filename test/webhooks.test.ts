// Webhooks against a real receiver on a real port and a real server: bodies, signatures, retries, final failures.
import { afterEach, describe, expect, it } from 'bun:test'
import { backoff, DEFAULT_RETRY, retryAfterMs, verdict } from '../src/notify/retry'
import { startReceiver, validSignature, type Received } from './support/receiver'
import { startTestServer, type TestServer } from './support/server'
import { ManualClock } from './support/clock'
import { post, until } from './support/http'

const SECRET = 'hook-secret'
const FAST = { firstMs: 10, capMs: 50 }
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setUp(answer?: Parameters<typeof startReceiver>[0], extra: { publicUrl?: string } = {}) {
  const receiver = startReceiver(answer)
  cleanups.push(receiver.stop)
  const server = await startTestServer({ webhooks: { urls: [receiver.url], secret: SECRET, retry: FAST, pollMs: 50, ...extra } })
  cleanups.push(server.stop)
  return { receiver, server }
}

const event = (category: string, action: string, agent_id: string, payload: Record<string, unknown> = {}, id: string = crypto.randomUUID()) =>
  ({ id, timestamp: Date.now(), category, action, agent_id, payload })
const one = (received: Received[], event: string) => until(event, () => received.find((r) => r.event === event))

/** A notifier on the default retry policy whose time moves only when the test says so. */
async function onClock(answer: Parameters<typeof startReceiver>[0], extra: { retry?: { maxAgeMs: number }; pollMs?: number } = {}) {
  const clock = new ManualClock()
  const receiver = startReceiver(answer)
  cleanups.push(receiver.stop)
  const server = await startTestServer({ webhooks: { urls: [receiver.url], secret: SECRET, clock, ...extra } })
  cleanups.push(server.stop)
  return { clock, receiver, server }
}
/** The row once its n-th attempt is recorded (the attempt's answer came and was written down). */
const attempted = (server: TestServer, deliveryId: string, n: number) =>
  until(`attempt ${n} of ${deliveryId} recorded`, () => {
    const row = server.notifier!.outbox.get(deliveryId)
    return row?.attempts === n ? row : undefined
  })

describe('webhooks', () => {
  it('sends question asked, answered, timed out, cancelled and agent failed, each with its body and a valid signature', async () => {
    const { receiver, server } = await setUp(undefined, { publicUrl: 'https://board.example' })
    expect((await fetch(post(`${server.url}/api/events`, [event('agent', 'started', 'docs', { name: 'Docs' }), event('agent', 'started', 'lint')]))).status).toBe(202)
    expect((await fetch(post(`${server.url}/api/questions`, { agent_id: 'docs', msg_id: 'm1', question: 'Which docstring\nstyle?', options: ['Google', 'NumPy'], graph_id: 'run-1' }))).status).toBe(201)
    const asked = await one(receiver.received, 'question.asked')
    expect((await fetch(post(`${server.url}/agent/docs/respond`, { msg_id: 'm1', answer: 'Google' }))).status).toBe(200)
    const answered = await one(receiver.received, 'question.answered')
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'docs', msg_id: 'm2', question: 'Still there?', timeout_s: 0.05 }))
    const timedOut = await one(receiver.received, 'question.timed_out')
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'docs', msg_id: 'm3', question: 'Stale <b>?' }))
    server.questions.cancel((q) => q.msg_id === 'm3')
    const cancelled = await one(receiver.received, 'question.cancelled')
    await fetch(post(`${server.url}/api/events`, event('agent', 'failed', 'lint', { error: 'ruff crashed' }, 'fail-1')))
    const failed = await one(receiver.received, 'agent.failed')

    expect(asked.body).toEqual({
      text: 'Agent Docs asks: Which docstring style? <https://board.example/#card-m1|Open in Switchboard>',
      event: 'question.asked',
      event_id: 'blocked:m1',
      agent_id: 'docs',
      agent_name: 'Docs',
      msg_id: 'm1',
      question: 'Which docstring\nstyle?',
      graph_id: 'run-1',
      at: asked.body.at,
      url: 'https://board.example/#card-m1',
    })
    expect(Date.parse(asked.body.at)).toBeGreaterThan(Date.now() - 60_000)
    expect(asked.delivery).toBe('blocked:m1:0')
    expect(answered.body).toMatchObject({ event: 'question.answered', msg_id: 'm1', answer: 'Google', question: 'Which docstring\nstyle?', agent_name: 'Docs' })
    expect(answered.body.text).toBe('Agent Docs was answered "Google" to: Which docstring style? <https://board.example/#card-m1|Open in Switchboard>')
    expect(timedOut.body).toMatchObject({ event: 'question.timed_out', msg_id: 'm2', question: 'Still there?' })
    expect(timedOut.body.answer).toBeUndefined()
    expect(cancelled.body.text).toBe("Agent Docs's question was withdrawn: Stale &lt;b&gt;? <https://board.example/#card-m3|Open in Switchboard>")
    expect(failed.body).toMatchObject({ event: 'agent.failed', agent_id: 'lint', error: 'ruff crashed', url: 'https://board.example/agents/lint' })
    expect(failed.body.agent_name).toBeUndefined()
    expect(failed.body.text).toBe('Agent lint failed: ruff crashed <https://board.example/agents/lint|Open in Switchboard>')
    expect(failed.delivery).toBe('fail-1:0')
    for (const r of [asked, answered, timedOut, cancelled, failed]) {
      expect(validSignature(r, SECRET)).toBe(true)
      expect(validSignature(r, 'another secret')).toBe(false)
      expect(r.headers.get('content-type')).toBe('application/json')
    }
  })

  it('sends a typed answer as it was given, and says in words who answered what', async () => {
    const { receiver, server } = await setUp(undefined, { publicUrl: 'https://board.example' })
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'ops', msg_id: 'ap', question: 'Deploy?', kind: 'approval' }))
    await fetch(post(`${server.url}/agent/ops/respond`, { msg_id: 'ap', answer: { approved: false, comment: 'not on Friday' }, answered_by: 'Ada' }))
    const answered = await one(receiver.received, 'question.answered')
    expect(answered.body).toMatchObject({ answer: { approved: false, comment: 'not on Friday' }, answered_by: 'Ada' })
    expect(answered.body.text).toBe('Agent ops was answered "Denied: not on Friday" by Ada to: Deploy? <https://board.example/#card-ap|Open in Switchboard>')
  })

  it('links to the card on the address it listens on when no public URL is set', async () => {
    const { receiver, server } = await setUp()
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'a', msg_id: 'odd id/ü', question: 'Where?' }))
    const asked = await one(receiver.received, 'question.asked')
    expect(asked.body.url).toBe(`${server.url}/#card-odd_20_id_2f__fc_`)
    expect(asked.delivery).toBe('blocked:odd%20id/%C3%BC:0')
  })

  it('retries a receiver answering 500 twice, after the default doubling backoff, and delivers on the third attempt with the same delivery id', async () => {
    const { clock, receiver, server } = await onClock((_, n) => (n <= 2 ? new Response('down', { status: 500 }) : undefined))
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'a', msg_id: 'r1', question: 'Again?' }))
    // 2 s doubling, half of it random: the second attempt falls due 1–2 s after the first, the third 2–4 s after that.
    for (const [attempt, [least, most]] of [[1, [1_000, 2_000]], [2, [2_000, 4_000]]] as const) {
      const row = await attempted(server, 'blocked:r1:0', attempt)
      expect(row).toMatchObject({ status: 'pending', last_status: 500 })
      expect(row.next_at - clock.now()).toBeGreaterThanOrEqual(least)
      expect(row.next_at - clock.now()).toBeLessThanOrEqual(most)
      clock.advance(row.next_at - clock.now())
    }
    await until('the row delivered', () => server.notifier!.outbox.get('blocked:r1:0')?.status === 'delivered')
    expect(receiver.received.map((r) => [r.delivery, r.attempt])).toEqual([['blocked:r1:0', 1], ['blocked:r1:0', 2], ['blocked:r1:0', 3]])
    expect(server.notifier!.outbox.get('blocked:r1:0')).toMatchObject({ attempts: 3, last_status: 200 })
  })

  it('does not retry a 400: the failure is recorded and later notices still go', async () => {
    const { receiver, server } = await setUp((r) => (r.body.msg_id === 'bad' ? new Response('no', { status: 400 }) : undefined))
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'a', msg_id: 'bad', question: 'Refused?' }))
    await until('the row failed', () => server.notifier!.outbox.get('blocked:bad:0')?.status === 'failed')
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'a', msg_id: 'good', question: 'Taken?' }))
    await until('the next notice', () => server.notifier!.outbox.get('blocked:good:0')?.status === 'delivered')
    expect(receiver.received.map((r) => r.delivery)).toEqual(['blocked:bad:0', 'blocked:good:0'])
    expect(server.notifier!.outbox.get('blocked:bad:0')).toMatchObject({ attempts: 1, last_status: 400, last_error: 'HTTP 400' })
  })

  // Regression: while a POST was in flight its row was due, so the notifier woke again at once, ~700 times a second.
  it('waits for a slow receiver without waking more than once per poll', async () => {
    const held: Array<() => void> = []
    const { clock, receiver, server } = await onClock(() => new Promise<Response>((resolve) => held.push(() => resolve(new Response('ok')))))
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'a', msg_id: 'held', question: 'Slow?' }))
    await until('the POST held', () => receiver.received.length === 1)
    const before = clock.fired
    clock.advance(5_000)
    // The default poll is a second.
    expect(clock.fired - before).toBeLessThanOrEqual(5)
    for (const go of held) go()
    await until('the row delivered', () => server.notifier!.outbox.get('blocked:held:0')?.status === 'delivered')
  })

  it('retries 429 after the Retry-After it asks for, when that is longer than the backoff', async () => {
    const { clock, receiver, server } = await onClock((_, n) => (n === 1 ? new Response('slow down', { status: 429, headers: { 'retry-after': '7' } }) : undefined))
    await fetch(post(`${server.url}/api/questions`, { agent_id: 'a', msg_id: 'busy', question: 'Now?' }))
    const row = await attempted(server, 'blocked:busy:0', 1)
    expect(row.next_at - clock.now()).toBe(7_000)
    // The polls on the way (every second) find nothing due.
    clock.advance(6_999)
    expect(server.notifier!.outbox.get('blocked:busy:0')).toMatchObject({ attempts: 1, status: 'pending' })
    clock.advance(1)
    await until('the row delivered', () => server.notifier!.outbox.get('blocked:busy:0')?.status === 'delivered')
    expect(receiver.received.map((r) => r.attempt)).toEqual([1, 2])
  })

  // Regression: behind a failing receiver's 2 oldest notices the rest are never tried, so only their age can end them.
  it('gives up the notices a failing receiver kept waiting past their age, tried or not', async () => {
    const ids = ['old-1', 'old-2', 'old-3', 'old-4', 'old-5']
    // An hour's poll: the clock moves 2 hours in few steps; the housekeeping that gives up runs hourly.
    const { clock, receiver, server } = await onClock(() => new Response('down', { status: 500 }), { retry: { maxAgeMs: 60_000 }, pollMs: 3_600_000 })
    const events = ids.map((id, i) => ({ id, timestamp: Date.now(), category: 'agent', action: 'failed', agent_id: `a-${i}`, payload: {} }))
    expect((await fetch(post(`${server.url}/api/events`, events))).status).toBe(202)
    const url = receiver.url
    await until('the receiver in its backoff', () => server.notifier!.receiver(url)!.heldUntil > 0 && server.notifier!.receiver(url)!.inflight === 0)
    clock.advance(2 * 3_600_000)
    const rows = () => ids.map((id) => server.notifier!.outbox.get(`${id}:0`)!)
    await until('every notice given up', () => rows().every((d) => d.status === 'failed'))
    const untried = rows().filter((d) => d.attempts === 0)
    expect(untried.length).toBeGreaterThanOrEqual(1)
    expect(untried.every((d) => d.last_error === 'gave up: undelivered after 1 min')).toBe(true)
    expect(receiver.received.filter((r) => untried.some((d) => r.delivery === d.delivery_id))).toEqual([])
  })
})

describe('retry policy', () => {
  it('doubles from the first delay up to the cap, half of each wait random', () => {
    const p = { ...DEFAULT_RETRY, firstMs: 1_000, capMs: 8_000 }
    expect([1, 2, 3, 4, 5, 40].map((n) => backoff(n, p, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000])
    expect([1, 2, 3, 4, 5].map((n) => backoff(n, p, () => 0))).toEqual([500, 1_000, 2_000, 4_000, 4_000])
  })
  it('reads Retry-After as seconds or a date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(retryAfterMs('7', now)).toBe(7_000)
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000)
    expect(retryAfterMs('soon', now)).toBeUndefined()
    expect(retryAfterMs(null, now)).toBeUndefined()
  })
  it('delivers on 2xx, retries 408, 429 and 5xx, and stops on any other status', () => {
    expect([200, 204, 408, 429, 500, 503, 400, 401, 404, 410, 301].map(verdict)).toEqual(
      ['delivered', 'delivered', 'retry', 'retry', 'retry', 'retry', 'final', 'final', 'final', 'final', 'final'],
    )
  })
})
