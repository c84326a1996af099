// Storage faults tell the truth, over real HTTP on a real SQLite file: a 2xx means stored, a 503 (Retry-After) means
// neither stored nor shown, whatever the store does: another process's lock, a full disk (a small tmpfs), a file deleted.
import { Database } from 'bun:sqlite'
import { resetSync } from '@logtape/logtape'
import { afterEach, describe, expect, it } from 'bun:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { mkdtempSync, rmSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeEvent, type Event } from '../src/protocol/event'
import { configureLogs } from '../src/telemetry/log'
import { startTestServer, type TestServer } from './support/server'
import { post } from './support/http'

let s: TestServer | undefined
afterEach(async () => {
  await s?.stop()
  s = undefined
})

const shown = async (agentId: string) => JSON.stringify(await (await fetch(`${s!.url}/api/snapshot`)).json()).includes(`"${agentId}"`)
const stored = (agentId: string) => s!.store.query({ agent_id: agentId, limit: 1_000 }).map((r) => r.event.id)
const ingest = (events: Event | Event[]) => fetch(post(`${s!.url}/api/events`, events))

describe('writes under another process lock', () => {
  it('POST /v1/traces: 503 with Retry-After, and the span agent neither shown nor stored (it was shown, then the 503)', async () => {
    s = await startTestServer({ pollMs: 60_000 })
    const span = { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'planner', startTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`, endTimeUnixNano: `${BigInt(Date.now()) * 1_000_000n}`, attributes: [{ key: 'gen_ai.operation.name', value: { stringValue: 'invoke_agent' } }] }
    const body = JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }] })
    const agentId = `otel:${span.traceId}`
    const other = new Database(s.dbPath)
    try {
      other.exec('BEGIN IMMEDIATE')
      const res = await fetch(post(`${s.url}/v1/traces`, body))
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toBe('1')
      expect(await shown(agentId)).toBe(false)
      other.exec('COMMIT')
      expect(stored(agentId)).toEqual([])
      expect((await fetch(post(`${s.url}/v1/traces`, body))).status).toBe(200)
      expect(await shown(agentId)).toBe(true)
    } finally {
      other.close()
    }
  })

  it('MCP report_status: an error result, and the report neither shown nor stored', async () => {
    s = await startTestServer({ pollMs: 60_000 })
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', s.url))
    const client = new Client({ name: 'locked-bot', version: '1.0.0' })
    await client.connect(transport)
    const agentId = `mcp-${transport.sessionId}`
    const report = () => client.callTool({ name: 'report_status', arguments: { status: 'completed', message: 'all done here' } }) as Promise<CallToolResult>
    const other = new Database(s.dbPath)
    try {
      other.exec('BEGIN IMMEDIATE')
      const refused = await report()
      expect(refused.isError).toBe(true)
      expect(JSON.stringify(refused.content)).toContain('storage unavailable: the database is locked by another process')
      expect(JSON.stringify(await (await fetch(`${s.url}/api/snapshot`)).json())).not.toContain('all done here')
      other.exec('COMMIT')
      expect(stored(agentId).length).toBe(0)
      expect((await report()).isError).toBeFalsy()
      expect(s.dashboard.agents.get(agentId)?.getSnapshot().value).toBe('done')
    } finally {
      other.close()
      await client.close()
    }
  })
})

/** A small tmpfs of its own (root only): the disk that fills up. */
function smallDisk(kb: number): { dir: string; grow(kb: number): void; remove(): void } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-full-'))
  const mount = (opts: string) => Bun.spawnSync(['mount', '-t', 'tmpfs', '-o', opts, 'tmpfs', dir]).exitCode === 0
  if (!mount(`size=${kb}k`)) return (rmSync(dir, { recursive: true }), undefined)
  return {
    dir,
    grow: (size) => void Bun.spawnSync(['mount', '-o', `remount,size=${size}k`, dir]),
    // Lazily: a server a failing test left open must not turn the cleanup into the error shown.
    remove: () => (Bun.spawnSync(['umount', '-l', dir]), rmSync(dir, { recursive: true, force: true })),
  }
}
/** A test on a 1 MB disk of its own; the server it left open is stopped before the disk goes. */
async function onSmallDisk(run: (disk: NonNullable<ReturnType<typeof smallDisk>>) => Promise<void>): Promise<void> {
  const disk = smallDisk(1_024)!
  try {
    await run(disk)
  } finally {
    await s?.stop()
    s = undefined
    disk.remove()
  }
}
const canMount = (() => {
  const probe = smallDisk(64)
  probe?.remove()
  return probe !== undefined
})()

let round = 0
/** 100 events of a new agent, about 1 KB each. */
const batch = (): Event[] => {
  const agent_id = `full-${++round}`
  return [makeEvent('agent', 'started', { agent_id }), ...Array.from({ length: 99 }, () => makeEvent('tool', 'called', { agent_id, payload: { tool: 't', args: 'x'.repeat(1_000) } }))]
}

describe.skipIf(!canMount)('a full disk', () => {
  it('refuses with 503 what it cannot store, never shows it, is not ready meanwhile, and takes the batch at once when space is back; nothing refused is there after a restart', async () => {
    await onSmallDisk(async (disk) => {
      const dbPath = join(disk.dir, 'switchboard.db')
      s = await startTestServer({ dbPath, pollMs: 60_000 })
      const acked: string[] = []
      let refused: Event[] | undefined
      for (let i = 0; i < 200 && !refused; i++) {
        const events = batch()
        const res = await ingest(events)
        if (res.status === 202) acked.push(events[0]!.agent_id!)
        else {
          expect(res.status).toBe(503)
          expect(res.headers.get('retry-after')).toBe('1')
          expect(((await res.json()) as { error: string }).error).toBe('storage unavailable: the disk is full')
          refused = events
        }
      }
      const agent = refused![0]!.agent_id!
      // Shown while refused, then gone at restart: it was.
      expect(await shown(agent)).toBe(false)
      expect(stored(agent)).toEqual([])
      const never = batch()
      expect((await ingest(never)).status).toBe(503)
      const ready = await fetch(`${s.url}/readyz`)
      expect(ready.status).toBe(503)
      expect(((await ready.json()) as { error: string }).error).toBe('the store cannot take a write: the disk is full')
      disk.grow(16 * 1_024)
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200)
      // Sent again as Retry-After asks: taken at once (it waited 15 s and timed out).
      const again = await ingest(refused!)
      expect(again.status).toBe(202)
      expect(await again.json()).toEqual({ accepted: 100, duplicates: 0, ignored: 0 })
      expect(await shown(agent)).toBe(true)
      await s.stop()
      s = await startTestServer({ dbPath, pollMs: 60_000 })
      for (const id of [...acked, agent]) expect(stored(id).length).toBe(100)
      expect(stored(never[0]!.agent_id!)).toEqual([])
      expect(await shown(never[0]!.agent_id!)).toBe(false)
    })
  }, 60_000)

  it('leaves no card for a question whose agent:blocked the full disk refused (its record was written before the events failed)', async () => {
    await onSmallDisk(async (disk) => {
      s = await startTestServer({ dbPath: join(disk.dir, 'switchboard.db'), pollMs: 60_000 })
      let refused: string | undefined
      for (let i = 0; i < 200 && !refused; i++) {
        const events = batch()
        const agent_id = events[0]!.agent_id!
        // The question's record is a few hundred bytes, its batch 100 KB: the record fits where the events do not.
        events.push(makeEvent('agent', 'blocked', { agent_id, payload: { msg_id: `q-${agent_id}`, question: 'Go on?' } }))
        const res = await ingest(events)
        if (res.status === 503) refused = `q-${agent_id}`
        else expect(res.status).toBe(202)
      }
      expect(refused).toBeDefined()
      expect(s.questions.pending().map((q) => q.msg_id)).not.toContain(refused)
      expect((await fetch(`${s.url}/api/questions/${refused}`)).status).toBe(404)
      // Asked again once space is back: a new question, not a conflict with a record left behind.
      disk.grow(16 * 1_024)
      const again = await fetch(post(`${s.url}/api/questions`, { agent_id: refused!.slice(2), msg_id: refused, question: 'Go on now?' }))
      expect(again.status).toBe(201)
    })
  }, 60_000)

  it('refuses a person an answer it cannot store and does not record it; once space is back the answer and ingest go through, no restart', async () => {
    await onSmallDisk(async (disk) => {
      s = await startTestServer({ dbPath: join(disk.dir, 'switchboard.db'), pollMs: 60_000 })
      expect((await fetch(post(`${s.url}/api/questions`, { agent_id: 'asker', msg_id: 'q-full', question: 'Go on?' }))).status).toBe(201)
      // Full to the last page: batches until one is refused, then single events until one is.
      for (let i = 0; i < 200; i++) if ((await ingest(batch())).status === 503) break
      for (let i = 0; i < 2_000; i++) if ((await ingest(makeEvent('agent', 'started', { agent_id: `one-${i}` }))).status === 503) break
      const respond = () => fetch(post(`${s!.url}/agent/asker/respond`, { msg_id: 'q-full', answer: 'yes' }))
      const refused = await respond()
      expect(refused.status).toBe(503)
      expect(refused.headers.get('retry-after')).toBe('1')
      expect(((await (await fetch(`${s.url}/api/questions/q-full`)).json()) as { status: string }).status).toBe('pending')
      expect(s.questions.pending().map((q) => q.msg_id)).toContain('q-full')
      disk.grow(16 * 1_024)
      expect((await respond()).status).toBe(200)
      expect(((await (await fetch(`${s.url}/api/questions/q-full`)).json()) as { answer: string }).answer).toBe('yes')
      expect((await ingest(batch())).status).toBe(202)
    })
  }, 60_000)
})

describe.skipIf(!canMount)('a stop on a full disk', () => {
  it('finishes (its last checkpoint threw SQLITE_FULL out of stop()), and the next start has every acknowledged event', async () => {
    await onSmallDisk(async (disk) => {
      const dbPath = join(disk.dir, 'switchboard.db')
      s = await startTestServer({ dbPath, pollMs: 60_000 })
      const acked: string[] = []
      for (let i = 0; i < 200; i++) {
        const events = batch()
        if ((await ingest(events)).status !== 202) break
        acked.push(events[0]!.agent_id!)
      }
      const stopping = s.stop()
      s = undefined
      await stopping
      disk.grow(16 * 1_024)
      s = await startTestServer({ dbPath, pollMs: 60_000 })
      for (const id of acked) expect(stored(id).length).toBe(100)
      expect(await shown(acked.at(-1)!)).toBe(true)
    })
  }, 60_000)
})

describe('the database file deleted while running', () => {
  it('refuses writes with a 503 naming SWITCHBOARD_DB and says so in one log line (8,040 events were acknowledged and lost)', async () => {
    s = await startTestServer({ pollMs: 60_000 })
    expect((await ingest(makeEvent('agent', 'started', { agent_id: 'before-delete' }))).status).toBe(202)
    const logged: string[] = []
    configureLogs('json', (line) => logged.push(line))
    try {
      unlinkSync(s.dbPath)
      for (const agent_id of ['after-1', 'after-2']) {
        const res = await ingest(makeEvent('agent', 'started', { agent_id }))
        expect(res.status).toBe(503)
        expect(res.headers.get('retry-after')).toBe('1')
        expect(((await res.json()) as { error: string }).error).toContain(`the database file ${s.dbPath} was deleted or replaced while open (SWITCHBOARD_DB)`)
        expect(await shown(agent_id)).toBe(false)
      }
      expect((await fetch(post(`${s.url}/api/questions`, { agent_id: 'q', question: 'Still there?' }))).status).toBe(503)
      expect((await fetch(`${s.url}/readyz`)).status).toBe(503)
      // The storage log says it once (each refused request has its own refusal line, as every refusal does).
      const lines = logged.map((l) => JSON.parse(l) as { logger: string; message: string }).filter((l) => l.logger === 'switchboard.storage')
      expect(lines.map((l) => l.message)).toEqual([`storage unavailable: the database file ${s.dbPath} was deleted or replaced while open (SWITCHBOARD_DB); restart to open it again; every write is refused (503) until then`])
    } finally {
      resetSync()
    }
  })
})
