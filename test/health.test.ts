// /healthz (alive) and /readyz (store writable, not stopping) in-process (app.handle), open without the token.
import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, it } from 'bun:test'
import { startTestServer, type TestServer } from './support/server'
import { req } from './support/http'

let s: TestServer | undefined
afterEach(async () => {
  await s?.stop()
  s = undefined
})

describe('health and readiness', () => {
  it('answers /healthz {ok: true} and /readyz {ready: true}, without the token when one is set', async () => {
    s = await startTestServer({ listen: false, token: 'secret' })
    const health = await s.app.handle(req('/healthz'))
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ ok: true })
    const ready = await s.app.handle(req('/readyz'))
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ ready: true })
  })

  it('is not ready while another process holds the write lock, and ready again after', async () => {
    s = await startTestServer({ listen: false, pollMs: 60_000 })
    const other = new Database(s.dbPath)
    try {
      other.exec('BEGIN IMMEDIATE')
      const busy = await s.app.handle(req('/readyz'))
      expect(busy.status).toBe(503)
      expect(await busy.json()).toEqual({ ready: false, error: 'the store cannot take a write: the database is locked by another process' })
      // Alive all the same: a process manager must not restart it for a lock someone else holds.
      expect((await s.app.handle(req('/healthz'))).status).toBe(200)
      other.exec('COMMIT')
      expect((await s.app.handle(req('/readyz'))).status).toBe(200)
    } finally {
      other.close()
    }
  })

  it('is not ready once stopping, so a load balancer drains it', async () => {
    s = await startTestServer({ listen: false })
    s.questions.release()
    const res = await s.app.handle(req('/readyz'))
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ ready: false, error: 'stopping' })
  })
})
