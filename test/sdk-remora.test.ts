// Remora compatibility: another process sharing the SQLite file asks and answers through outbox/inbox keys.
import { afterEach, describe, expect, it } from 'bun:test'
import { Database } from 'bun:sqlite'
import { connect } from '../src/client'
import { openSqliteWorkspace } from '../src/workspace/sqlite'
import type { Workspace } from '../src/workspace/workspace'
import { nextEvent } from './support/bus'
import { startTestServer, type TestServer } from './support/server'
import { post } from './support/http'


let server: TestServer | undefined
let remora: Workspace | undefined
afterEach(async () => {
  remora?.close()
  await server?.stop()
  server = remora = undefined
})

describe('Remora sharing the SQLite workspace', () => {
  it('a question written to outbox:question:{msg_id} shows as blocked, and its answer lands in inbox:response:{msg_id}', async () => {
    server = await startTestServer()
    // What a Python agent does: write the record as JSON under the shared key, in its own connection.
    remora = openSqliteWorkspace(server.dbPath)
    const blocked = nextEvent(server.bus, (e) => e.action === 'blocked' && e.payload.msg_id === 'py-1')
    remora.set('outbox:question:py-1', {
      agent_id: 'py-agent',
      question: 'Rename parse_args?',
      options: ['yes', 'no'],
      status: 'pending',
      created_at: Date.now(),
      timeout_s: 600,
    })
    await blocked
    const snap = (await (await fetch(`${server.url}/api/snapshot`)).json()) as { blocked: Array<Record<string, unknown>> }
    expect(snap.blocked).toContainEqual(expect.objectContaining({ msg_id: 'py-1', agent_id: 'py-agent', question: 'Rename parse_args?', options: ['yes', 'no'] }))

    const res = await fetch(post(`${server.url}/agent/py-agent/respond`, { msg_id: 'py-1', answer: 'yes' }))
    expect(res.status).toBe(200)
    const response = remora.get<{ answer: string; responded_at: number }>('inbox:response:py-1')
    expect(response).toEqual({ answer: 'yes', responded_at: expect.any(Number) })
    expect(remora.get<{ status: string }>('outbox:question:py-1')?.status).toBe('answered')
  })

  it('an SDK ask() resolves when another process writes the answer into inbox:response:{msg_id}', async () => {
    server = await startTestServer()
    remora = openSqliteWorkspace(server.dbPath)
    const sb = connect({ url: server.url })
    const blocked = nextEvent(server.bus, (e) => e.action === 'blocked' && e.agent_id === 'ts-agent')
    const answer = sb.agent('ts-agent').ask('Proceed?', { msgId: 'ts-1' })
    await blocked
    remora.set('inbox:response:ts-1', { answer: 'go ahead', responded_at: Date.now() })
    expect(await answer).toBe('go ahead')
    await sb.close()
  })
})

describe('what Remora writes that no event can carry', () => {
  // A 5,000-character answer (an agent:resumed carries at most 4,096) or one nested 100,000 deep settled the question,
  // then failed its agent:resumed: the agent was never told, and every next start threw on telling it again.
  const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`
  it('neither fails a request nor the next start; the questions stay answerable', async () => {
    server = await startTestServer()
    const { dbPath } = server
    const ask = (msg_id: string) =>
      fetch(post(`${server!.url}/api/questions`, { agent_id: `ag-${msg_id}`, question: 'Which?', msg_id }))
    for (const id of ['q-long', 'q-deep', 'q-graph']) expect((await ask(id)).status).toBe(201)
    remora = openSqliteWorkspace(dbPath)
    remora.set('inbox:response:q-long', { answer: 'x'.repeat(5000), responded_at: Date.now() })
    // JSON no JSON.stringify can write: straight into the table, as any other SQLite client could.
    const raw = new Database(dbPath)
    raw.query('INSERT OR REPLACE INTO kv (key, value, updated_at) VALUES (?, ?, ?)').run('inbox:response:q-deep', `{"answer":${deep(100_000)}}`, Date.now())
    raw.query('INSERT OR REPLACE INTO kv (key, value, updated_at) VALUES (?, ?, ?)').run(
      'outbox:question:q-details',
      `{"status":"pending","agent_id":"ag-q-details","question":"Go?","created_at":${Date.now()},"details":${deep(100_000)}}`,
      Date.now(),
    )
    // Answered by another process in a record no event can name the run of (a line break in graph_id).
    raw.query('INSERT OR REPLACE INTO kv (key, value, updated_at) VALUES (?, ?, ?)').run(
      'outbox:question:q-graph',
      JSON.stringify({ status: 'answered', agent_id: 'ag-q-graph', question: 'Which?', created_at: Date.now(), graph_id: 'run\n2' }),
      Date.now(),
    )
    raw.query('INSERT OR REPLACE INTO kv (key, value, updated_at) VALUES (?, ?, ?)').run('inbox:response:q-graph', JSON.stringify({ answer: 'fine' }), Date.now())
    raw.close()
    server.questions.pollOnce()
    for (const id of ['q-long', 'q-deep', 'q-details']) expect({ id, status: (await fetch(`${server.url}/api/questions/${id}`)).status }).toEqual({ id, status: 200 })
    await server.stop()
    server = await startTestServer({ dbPath })
    expect((await fetch(`${server.url}/`)).status).toBe(200)
    expect(((await (await fetch(`${server.url}/api/questions/q-graph`)).json()) as { status: string }).status).toBe('answered')
    // ...and its agent is told (the run id no event could carry is left out of the record).
    const resumed = (await (await fetch(`${server.url}/api/events?kind=agent:resumed&agent_id=ag-q-graph`)).json()) as { events: Array<{ payload: { answer?: unknown } }> }
    expect(resumed.events.map((e) => e.payload.answer)).toEqual(['fine'])
    for (const id of ['q-long', 'q-deep', 'q-details']) {
      const res = await fetch(post(`${server.url}/agent/ag-${id}/respond`, { msg_id: id, answer: 'this one' }))
      expect({ id, status: res.status }).toEqual({ id, status: 200 })
    }
  })
})

describe('what Remora writes that is not JSON', () => {
  it('reads as no question: a 404, a new ask under the msg_id taken, and the next start goes ahead', async () => {
    server = await startTestServer()
    const { dbPath } = server
    const json = { 'content-type': 'application/json' }
    expect((await fetch(`${server.url}/api/questions`, { method: 'POST', headers: json, body: JSON.stringify({ agent_id: 'ag-torn', question: 'Go?', msg_id: 'q-torn' }) })).status).toBe(201)
    // A write torn half-way, or another program's own format, under the question's keys.
    const raw = new Database(dbPath)
    raw.query("UPDATE kv SET value = '{\"status\":\"pend' WHERE key = 'outbox:question:q-torn'").run()
    raw.query("INSERT OR REPLACE INTO kv (key, value, updated_at) VALUES ('inbox:response:q-torn', 'yes please', 1)").run()
    raw.close()
    expect((await fetch(`${server.url}/api/questions/q-torn`)).status).toBe(404)
    expect((await fetch(`${server.url}/agent/ag-torn/respond`, { method: 'POST', headers: json, body: JSON.stringify({ msg_id: 'q-torn', answer: 'x' }) })).status).toBe(404)
    server.questions.pollOnce()
    await server.stop()
    // The agent is still blocked on q-torn in the event store: the start reads its record again.
    server = await startTestServer({ dbPath })
    expect((await fetch(`${server.url}/`)).status).toBe(200)
    expect((await fetch(`${server.url}/api/questions`, { method: 'POST', headers: json, body: JSON.stringify({ agent_id: 'ag-torn', question: 'Go?', msg_id: 'q-torn' }) })).status).toBe(201)
    expect((await fetch(`${server.url}/agent/ag-torn/respond`, { method: 'POST', headers: json, body: JSON.stringify({ msg_id: 'q-torn', answer: 'now' }) })).status).toBe(200)
  })
})
