// POST /api/events acknowledges nothing it then drops (issue 23): an event stored that its agent cannot take is
// counted in the 202 (`ignored`, and the first 20 by id with why); a finished agent's next turn is taken.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeEvent, type Event } from '../src/protocol/event'
import { post, req } from './support/http'
import { startTestServer, type TestServer } from './support/server'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ listen: false })
})
afterAll(() => s.stop())

let n = 0
const T0 = 1_764_057_600_000
const ev = (agent_id: string, category: Parameters<typeof makeEvent>[0], action: string, payload: Record<string, unknown> = {}): Event =>
  makeEvent(category, action, { id: `ig-${++n}`, timestamp: T0 + n, agent_id, payload })
async function ingest(events: Event | Event[]) {
  const res = await s.app.handle(post('/api/events', events))
  expect(res.status).toBe(202)
  return (await res.json()) as { accepted: number; duplicates: number; ignored: number; ignored_events?: Array<{ id: string; reason: string }> }
}
const agentState = async (agentId: string) => {
  const { agents } = (await (await s.app.handle(req('/api/snapshot'))).json()) as { agents: Array<{ agent_id: string; state: string; turn: number }> }
  return agents.find((a) => a.agent_id === agentId)
}

describe('POST /api/events: events their agent cannot take', () => {
  it('counts an agent:resumed for a question the agent is not waiting on, with its id and why', async () => {
    await ingest([ev('asker', 'agent', 'started'), ev('asker', 'agent', 'blocked', { msg_id: 'ig-q2', question: 'Ship it?' })])
    const stray = ev('asker', 'agent', 'resumed', { msg_id: 'ig-q1', answer: 'late' })
    const body = await ingest(stray)
    expect(body).toEqual({ accepted: 1, duplicates: 0, ignored: 1, ignored_events: [{ id: stray.id, reason: 'agent:resumed answers ig-q1, but the agent waits on ig-q2' }] })
    expect((await agentState('asker'))?.state).toBe('blocked')
    // Stored all the same: it is in the history, as a 202 promises.
    const history = (await (await s.app.handle(req('/api/events?agent_id=asker'))).json()) as { events: Array<{ id: string }> }
    expect(history.events.map((e) => e.id)).toContain(stray.id)
  })

  it('says 0 and lists none when every event applies, a finished agent\'s next turn included', async () => {
    expect(await ingest([ev('again', 'agent', 'started'), ev('again', 'agent', 'completed')])).toEqual({ accepted: 2, duplicates: 0, ignored: 0 })
    // Regression: this was acknowledged (accepted: 1) and silently dropped by the finished actor.
    expect(await ingest(ev('again', 'tool', 'called', { tool: 'search' }))).toEqual({ accepted: 1, duplicates: 0, ignored: 0 })
    expect(await agentState('again')).toMatchObject({ state: 'running', turn: 2 })
  })

  it('counts every one in a batch and lists the first 20; a duplicate is a duplicate, not ignored', async () => {
    await ingest([ev('done-1', 'agent', 'started'), ev('done-1', 'agent', 'completed')])
    const late = Array.from({ length: 25 }, () => ev('done-1', 'agent', 'completed', { summary: 'again' }))
    const body = await ingest([...late, late[0]!])
    expect(body).toMatchObject({ accepted: 25, duplicates: 1, ignored: 25 })
    expect(body.ignored_events?.map((e) => e.id)).toEqual(late.slice(0, 20).map((e) => e.id))
    expect(body.ignored_events?.[0]?.reason).toBe('agent:completed does not apply to an agent that is done')
    // Each writer's ids are watched only while it waits.
    expect(s.dashboard.ignored.size).toBe(0)
  })

  it('takes agent:waiting and agent:note, and refuses a note without text with a 400 naming the field', async () => {
    expect(await ingest([ev('chat', 'agent', 'started'), ev('chat', 'agent', 'note', { text: 'looked it up' }), ev('chat', 'agent', 'waiting', { reason: 'next message' })])).toMatchObject({ accepted: 3, ignored: 0 })
    expect((await agentState('chat'))?.state).toBe('waiting')
    const bad = await s.app.handle(post('/api/events', { id: 'ig-bad-note', timestamp: T0, category: 'agent', action: 'note', agent_id: 'chat', payload: {} }))
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ field: 'payload.text' })
  })

  it('describes the 202 body in the OpenAPI document', async () => {
    const spec = (await (await s.app.handle(req('/openapi/json'))).json()) as { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema: { properties: Record<string, unknown> } }> }> }>> }
    const accepted = spec.paths['/api/events']!.post!.responses!['202']!.content!['application/json']!.schema
    expect(Object.keys(accepted.properties).sort()).toEqual(['accepted', 'duplicates', 'ignored', 'ignored_events'])
  })
})
