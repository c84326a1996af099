// Webhooks across restarts: notices come from the stored events, so neither a crash nor a receiver that is down loses one.
import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { freePort, running, spawn, start, tempDir } from './support/process'
import { startHanging, startReceiver, validSignature } from './support/receiver'
import { startTestServer, tempDb, type TestServer } from './support/server'
import { ManualClock } from './support/clock'
import { post, until } from './support/http'

const SECRET = 'restart-secret'
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const s of running.splice(0)) s.proc.kill('SIGKILL')
  for (const c of cleanups.splice(0).reverse()) await c()
})

const failed = (agent_id: string, id: string) => ({ id, timestamp: Date.now(), category: 'agent', action: 'failed', agent_id, payload: { error: 'boom' } })

/** The outbox as another reader of the file sees it. */
function outboxRows(db: string): Array<{ delivery_id: string; status: string; attempts: number }> {
  const file = new Database(db, { readonly: true })
  try {
    return file.query<{ delivery_id: string; status: string; attempts: number }, []>('SELECT delivery_id, status, attempts FROM webhook_outbox ORDER BY delivery_id').all()
  } catch {
    return []
  } finally {
    file.close()
  }
}

describe('webhooks across restarts', () => {
  it('turns events stored while no notifier ran into notices on the next start (from the events table, not the bus)', async () => {
    const receiver = startReceiver()
    cleanups.push(receiver.stop)
    const dbPath = tempDb()
    const webhooks = { urls: [receiver.url], retry: { firstMs: 10 }, pollMs: 50 }
    const first = await startTestServer({ dbPath, webhooks })
    await fetch(post(`${first.url}/api/questions`, { agent_id: 'a', msg_id: 'before', question: 'Seen live?' }))
    // Delivered and recorded so: a POST still in flight at stop() would be sent again, rightly, on the next start.
    await until('the live notice', () => first.notifier!.outbox.get('blocked:before:0')?.status === 'delivered')
    // As if the process died right after storing the next events, before they became outbox rows.
    await first.notifier!.stop()
    expect((await fetch(post(`${first.url}/api/questions`, { agent_id: 'a', msg_id: 'in-the-gap', question: 'Lost?' }))).status).toBe(201)
    expect((await fetch(post(`${first.url}/api/events`, failed('b', 'gap-failure')))).status).toBe(202)
    await first.stop()
    expect(receiver.received.map((r) => r.delivery)).toEqual(['blocked:before:0'])

    const second = await startTestServer({ dbPath, webhooks })
    cleanups.push(second.stop)
    await until('both notices', () => receiver.received.length >= 3)
    expect(receiver.received.map((r) => r.delivery).sort()).toEqual(['blocked:before:0', 'blocked:in-the-gap:0', 'gap-failure:0'])
  })

  it('delivers every notice once by delivery id to a receiver that was down through a kill -9 and a restart', async () => {
    const port = freePort()
    const env = {
      SWITCHBOARD_DB: join(tempDir(), 's.db'),
      SWITCHBOARD_WEBHOOK_URL: `http://127.0.0.1:${port}/hook,http://127.0.0.1:${port}/second`,
      SWITCHBOARD_WEBHOOK_SECRET: SECRET,
      SWITCHBOARD_WEBHOOK_RETRY_MS: '20',
    }
    const first = await start(env)
    expect((await fetch(post(`${first.url}/api/questions`, { agent_id: 'a', msg_id: 'q1', question: 'First?' }))).status).toBe(201)
    expect((await fetch(post(`${first.url}/api/events`, failed('b', 'f1')))).status).toBe(202)
    await until('attempts against the down receiver', () => outboxRows(env.SWITCHBOARD_DB).filter((r) => r.attempts > 0).length === 4)
    // Accepted, then killed at once: it may or may not have become outbox rows; either way it is sent.
    expect((await fetch(post(`${first.url}/api/questions`, { agent_id: 'c', msg_id: 'q2', question: 'Last words?' }))).status).toBe(201)
    first.proc.kill('SIGKILL')
    await first.proc.exited

    const second = await start(env)
    expect((await fetch(post(`${second.url}/agent/a/respond`, { msg_id: 'q1', answer: 'yes' }))).status).toBe(200)
    const receiver = startReceiver(undefined, port)
    cleanups.push(receiver.stop)
    const expected = ['blocked:q1', 'f1', 'blocked:q2', 'resumed:q1'].flatMap((id) => [`${id}:0`, `${id}:1`]).sort()
    await until('every notice', () => expected.every((d) => receiver.received.some((r) => r.delivery === d)))
    expect([...new Set(receiver.received.map((r) => r.delivery))].sort()).toEqual(expected)
    expect(receiver.received.every((r) => validSignature(r, SECRET))).toBe(true)
    expect(receiver.received.find((r) => r.delivery === 'resumed:q1:1')?.body).toMatchObject({ event: 'question.answered', question: 'First?', answer: 'yes' })
    await until('the outbox all delivered', () => outboxRows(env.SWITCHBOARD_DB).every((r) => r.status === 'delivered'))
  })

  it('stops within its 2 s guard while a receiver holds a POST open, and sends it on the next start', async () => {
    let hold = true
    const receiver = startReceiver(() => (hold ? new Promise<Response>(() => {}) : undefined))
    cleanups.push(receiver.stop)
    const env = { SWITCHBOARD_DB: join(tempDir(), 's.db'), SWITCHBOARD_WEBHOOK_URL: receiver.url, SWITCHBOARD_WEBHOOK_RETRY_MS: '20' }
    const first = await start(env)
    await fetch(post(`${first.url}/api/questions`, { agent_id: 'a', msg_id: 'held', question: 'Hanging?' }))
    await until('the POST in flight', () => receiver.received.length === 1)
    first.proc.kill('SIGTERM')
    expect(await first.proc.exited).toBe(0)
    expect(await first.output()).not.toContain('still stopping')
    hold = false
    await start(env)
    await until('the notice again', () => receiver.received.length === 2)
    expect(receiver.received.map((r) => [r.delivery, r.attempt])).toEqual([['blocked:held:0', 1], ['blocked:held:0', 1]])
  })

  it('a restart in the middle of the backlog of a receiver loses nothing and sends nothing delivered twice, a hanging receiver beside it', async () => {
    const N = 90
    let up = false
    const good = startReceiver()
    const hang = startHanging()
    const down = startReceiver(() => (up ? undefined : new Response('down', { status: 500 })))
    cleanups.push(good.stop, hang.stop, down.stop)
    const dbPath = tempDb()
    const webhooks = (clock: ManualClock) => ({ urls: [hang.url, down.url, good.url], clock })
    const ids = (index: number) => Array.from({ length: N }, (_, i) => `r-${i}:${index}`)
    const rows = (s: TestServer, index: number) => ids(index).map((id) => s.notifier!.outbox.get(id)!)
    const first = await startTestServer({ dbPath, webhooks: webhooks(new ManualClock()) })
    expect((await fetch(post(`${first.url}/api/events`, Array.from({ length: N }, (_, i) => failed(`ag-${i}`, `r-${i}`))))).status).toBe(202)
    // Regression: with one pool of 4 slots the hanging receiver held them all and the good one stalled.
    await until('all 90 at the good receiver', () => good.received.length >= N)
    // Recorded so: a POST still in flight at stop() is sent again, rightly (at least once), at the next start.
    await until('all 90 recorded delivered', () => rows(first, 2).every((d) => d.status === 'delivered'))
    expect(rows(first, 1).filter((d) => d.status === 'delivered')).toEqual([])
    await until('2 POSTs open at the hanging receiver', () => hang.received.length === 2)
    await first.stop()

    up = true
    const clock = new ManualClock()
    const second = await startTestServer({ dbPath, webhooks: webhooks(clock) })
    cleanups.push(second.stop)
    // The notices tried before the restart wait out the backoff their rows recorded (at most 2 s).
    clock.advance(2_000)
    await until('the backlog delivered after the restart', () => rows(second, 1).every((d) => d.status === 'delivered'))
    expect([...new Set(down.received.map((r) => r.delivery))].sort()).toEqual(ids(1).sort())
    expect(good.received.map((r) => r.delivery).sort()).toEqual(ids(2).sort())
    // The hanging one's POSTs cut by the stop were not counted: all 90 still to go, 2 of them open again.
    expect(rows(second, 0).every((d) => d.status === 'pending' && d.attempts === 0)).toBe(true)
    await until('the hanging receiver tried again', () => hang.received.length === 4)
  })

  it('refuses to start on a webhook URL that is not one, in one line, exit code 2', async () => {
    const bad = spawn({ PORT: String(freePort()), SWITCHBOARD_DB: join(tempDir(), 's.db'), SWITCHBOARD_WEBHOOK_URL: 'https://ok.example/a,hooks.example/token' })
    expect(await bad.proc.exited).toBe(2)
    expect((await bad.output()).trim()).toBe('switchboard: SWITCHBOARD_WEBHOOK_URL must be http(s) URLs separated by commas; URL #2 is not one')
  })
})
