// A store that is busy (another process holds SQLite's write lock) or failing: the server stays
// responsive, answers 503 with Retry-After and the reason, logs once per incident, and recovers.
import { Database } from 'bun:sqlite'
import { resetSync } from '@logtape/logtape'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { configureLogs } from '../src/telemetry/log'
import { startTestServer, type TestServer } from './support/server'
import { req, post } from './support/http'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ listen: false, pollMs: 60_000 })
})
afterAll(() => s.stop())

const ask = (msg_id: string) =>
  s.app.handle(post('/api/questions', { agent_id: 'lock', question: 'Locked?', msg_id }))

describe('a busy store', () => {
  it('answers 503 with Retry-After while another process holds the write lock, logs the incident once, then recovers', async () => {
    const logged: string[] = []
    configureLogs('json', (line) => logged.push(line))
    const other = new Database(s.dbPath)
    try {
      other.exec('BEGIN IMMEDIATE')
      const [first, second] = await Promise.all([ask('busy-1'), ask('busy-2')])
      for (const res of [first, second]) {
        expect(res.status).toBe(503)
        expect(res.headers.get('retry-after')).toBe('1')
        expect(((await res.json()) as { error: string }).error).toBe('storage unavailable: the database is locked by another process')
      }
      // Reads and liveness do not wait for the lock.
      expect((await s.app.handle(req('/healthz'))).status).toBe(200)
      expect((await s.app.handle(req('/api/snapshot'))).status).toBe(200)
      other.exec('COMMIT')
      expect((await ask('busy-3')).status).toBe(201)
      const lines = logged.map((l) => JSON.parse(l) as { logger: string; message: string }).filter((l) => l.logger === 'switchboard.storage')
      expect(lines.map((l) => l.message)).toEqual([
        'storage unavailable: the database is locked by another process (retrying); further errors like it are not logged until it recovers',
        'available again after: the database is locked by another process',
      ])
    } finally {
      other.close()
      resetSync()
    }
  })

  it('waits out a short lock instead of failing', async () => {
    const other = new Database(s.dbPath)
    other.exec('BEGIN IMMEDIATE')
    setTimeout(() => other.exec('COMMIT'), 150)
    const res = await ask('short-lock')
    other.close()
    expect(res.status).toBe(201)
  })
})

describe('a busy event store', () => {
  const started = { id: 'locked-1', timestamp: Date.now(), category: 'agent', action: 'started', agent_id: 'locked-agent', payload: {} }
  const ingest = () => s.app.handle(post('/api/events', started))
  const shown = async () => JSON.stringify(await (await s.app.handle(req('/api/snapshot'))).json()).includes('locked-agent')
  const stored = async () => ((await (await s.app.handle(req('/api/events?agent_id=locked-agent'))).json()) as { events: Array<{ id: string }> }).events.map((e) => e.id)

  it('answers POST /api/events 503 with Retry-After under a lock that does not clear (it hung), neither storing nor showing them; then takes them', async () => {
    const other = new Database(s.dbPath)
    try {
      other.exec('BEGIN IMMEDIATE')
      const res = await ingest()
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('1')
      expect(((await res.json()) as { error: string }).error).toBe('storage unavailable: the database is locked by another process')
      expect(await shown()).toBe(false)
      other.exec('COMMIT')
      expect(await stored()).toEqual([])
      // Sent again after its 503, as Retry-After asks: stored and shown, not taken for a duplicate.
      const again = await ingest()
      expect(again.status).toBe(202)
      expect(await again.json()).toEqual({ accepted: 1, duplicates: 0, ignored: 0 })
      expect(await stored()).toEqual(['locked-1'])
      expect(await shown()).toBe(true)
    } finally {
      other.close()
    }
  })
})
