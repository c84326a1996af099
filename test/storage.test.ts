// A store that is busy (another process holds SQLite's write lock) or failing: the server stays
// responsive, answers 503 with Retry-After and the reason, logs once per incident, and recovers.
import { Database } from 'bun:sqlite'
import { resetSync } from '@logtape/logtape'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { configureLogs } from '../src/telemetry/log'
import { startTestServer, type TestServer } from './support/server'
import { post } from './support/http'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ pollMs: 60_000 })
})
afterAll(() => s.stop())

const ask = (msg_id: string) =>
  fetch(post(`${s.url}/api/questions`, { agent_id: 'lock', question: 'Locked?', msg_id }))

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
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
      expect((await fetch(`${s.url}/api/snapshot`)).status).toBe(200)
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
