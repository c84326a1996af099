// Remora compatibility: another process sharing the SQLite file asks and answers through outbox/inbox keys.
import { afterEach, describe, expect, it } from 'bun:test'
import { connect } from '../src/client'
import { openSqliteWorkspace } from '../src/workspace/sqlite'
import type { Workspace } from '../src/workspace/workspace'
import { nextEvent } from './support/bus'
import { startTestServer, type TestServer } from './support/server'


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

    const res = await fetch(`${server.url}/agent/py-agent/respond`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ msg_id: 'py-1', answer: 'yes' }),
    })
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
