// SWITCHBOARD_MAX_AGENTS: 300,000 distinct agent ids once took 2.66 GB. Past the cap the agents ended longest ago
// leave memory (actor, roster, agent book, inspector) yet stay stored and on their pages; ingest never stops.
import { Database } from 'bun:sqlite'
import { resetSync } from '@logtape/logtape'
import { afterEach, describe, expect, it } from 'bun:test'
import { agentKey } from '../src/inspector/inspector'
import { decodeCheckpoint } from '../src/machines/checkpoint'
import { createDashboard } from '../src/machines/dashboard'
import { AgentRoster } from '../src/machines/roster'
import { makeEvent, type Event } from '../src/protocol/event'
import { configureLogs } from '../src/telemetry/log'
import { post } from './support/http'
import { startTestServer, tempDb, type TestServer } from './support/server'

const CAP = 50
const T0 = 1_764_057_600_000
const id = (i: number) => `a-${i}`

/** Agent i starts in run g1; the first `ended` of them complete. */
function swarm(count: number, ended: number): Event[] {
  const events: Event[] = []
  for (let i = 0; i < count; i++) {
    const base = { timestamp: T0 + i, agent_id: id(i), graph_id: 'g1' }
    events.push(makeEvent('agent', 'started', { ...base, id: `s-${i}`, payload: { name: `Agent ${i}` } }))
    if (i < ended) events.push(makeEvent('agent', 'completed', { ...base, id: `c-${i}`, payload: { result: `result of ${i}` } }))
  }
  return events
}

async function ingest(s: TestServer, events: Event[]) {
  for (let i = 0; i < events.length; i += 100) expect((await s.app.handle(post('/api/events', events.slice(i, i + 100)))).status).toBe(202)
  await s.bus.persisted()
}

const running: TestServer[] = []
async function start(options: Parameters<typeof startTestServer>[0] = {}) {
  const s = await startTestServer({ listen: false, ...options })
  running.push(s)
  return s
}
afterEach(async () => {
  for (const s of running.splice(0)) await s.stop()
  resetSync()
})

describe('the roster past its cap', () => {
  const route = (r: AgentRoster, events: Event[]) => events.forEach((e) => r.route(e))

  it('lets the agents that ended longest ago go first, and keeps the working ones', () => {
    const roster = new AgentRoster(undefined, CAP)
    const evicted: Array<[string, boolean]> = []
    roster.onEvicted((agentId, ended) => evicted.push([agentId, ended]))
    route(roster, swarm(200, 150))
    expect(roster.size).toBe(CAP)
    expect([...roster.values()].map((a) => a.getSnapshot().context.agent_id)).toEqual(Array.from({ length: CAP }, (_, i) => id(150 + i)))
    expect(evicted[0]).toEqual([id(0), true])
    expect(evicted.every(([, ended]) => ended)).toBe(true)
  })

  it('with every agent working, takes the new one and lets the one silent longest go, not one waiting on a person', () => {
    const roster = new AgentRoster(undefined, 3)
    const evicted: Array<[string, boolean]> = []
    roster.onEvicted((agentId, ended) => evicted.push([agentId, ended]))
    route(roster, swarm(3, 0))
    roster.route(makeEvent('agent', 'blocked', { agent_id: id(0), payload: { msg_id: 'm0', question: 'go?' } }))
    for (const i of [1, 2]) roster.route(makeEvent('tool', 'called', { agent_id: id(i), payload: { tool: 'read' } }))
    // a-0, waiting on an answer, is the one silent longest; a-1 comes next
    roster.route(makeEvent('agent', 'started', { agent_id: 'new' }))
    expect(evicted).toEqual([[id(1), false]])
    expect(roster.size).toBe(3)
    expect(roster.get('new')?.getSnapshot().value).toBe('running')
    expect(roster.get(id(0))?.getSnapshot().value).toBe('blocked')
  })

  it('no longer counts an ended agent that works again (its next turn) as ended, and one that only sent what cannot apply keeps its place', () => {
    const roster = new AgentRoster(undefined, 4)
    const evicted: Array<[string, boolean]> = []
    roster.onEvicted((agentId, ended) => evicted.push([agentId, ended]))
    // a-0, a-1 and a-2 end in that order; a-3 works on.
    route(roster, swarm(4, 3))
    roster.route(makeEvent('tool', 'called', { agent_id: id(0), payload: { tool: 'read' } }))
    roster.route(makeEvent('agent', 'completed', { agent_id: id(1) }))
    expect(roster.get(id(1))?.getSnapshot().context.rejected).toHaveLength(1)
    for (const n of ['n1', 'n2']) roster.route(makeEvent('agent', 'started', { agent_id: n }))
    // a-0 is in its turn 2: not ended, so a-1 (ended first of the rest, its rejected completion no matter) and a-2 go.
    expect(evicted).toEqual([[id(1), true], [id(2), true]])
    expect(roster.get(id(0))?.getSnapshot().context.turn).toBe(2)
    // With none ended left, the one silent longest goes: a-3, silent since it started, not a-0.
    roster.route(makeEvent('agent', 'started', { agent_id: 'n3' }))
    expect(evicted.at(-1)).toEqual([id(3), false])
  })

  it('tells of each event its agent could not take, with the reason', () => {
    const roster = new AgentRoster()
    const told: Array<[string, string]> = []
    roster.onRejected((e, reason) => told.push([e.id, reason]))
    roster.route(makeEvent('agent', 'started', { id: 'e1', agent_id: 'x' }))
    roster.route(makeEvent('agent', 'blocked', { id: 'e2', agent_id: 'x', payload: { msg_id: 'm2', question: 'q' } }))
    roster.route(makeEvent('agent', 'resumed', { id: 'e3', agent_id: 'x', payload: { msg_id: 'm1', answer: 'late' } }))
    roster.route(makeEvent('agent', 'resumed', { id: 'e4', agent_id: 'x', payload: { msg_id: 'm2', answer: 'yes' } }))
    expect(told).toEqual([['e3', 'agent:resumed answers m1, but the agent waits on m2']])
  })
})

describe('the dashboard past its cap', () => {
  it('forgets a graph once the last of its agents left memory, so a graph an agent costs no record forever', () => {
    const dash = createDashboard({ maxAgents: CAP })
    for (let i = 0; i < 200; i++) {
      const base = { agent_id: id(i), graph_id: `g-${i}` }
      dash.apply(makeEvent('agent', 'started', base))
      dash.apply(makeEvent('agent', 'completed', base))
    }
    const graphs = dash.actor.getSnapshot().context.graphs
    expect(graphs.size).toBe(CAP)
    expect(graphs.has('g-0')).toBe(false)
    expect(graphs.has('g-199')).toBe(true)
    dash.stop()
  })
})

describe('SWITCHBOARD_MAX_AGENTS on a server', () => {
  it('holds at most the cap in memory; the ended ones that left are still on their run page and in the history', async () => {
    const s = await start({ maxAgents: CAP })
    await ingest(s, swarm(200, 150))
    expect(s.dashboard.agents.size).toBeLessThanOrEqual(CAP)
    expect(s.dashboard.agents.get(id(0))).toBeUndefined()
    expect(s.dashboard.agents.get(id(199))?.getSnapshot().value).toBe('running')
    const shown = s.view.agents().map((a) => a.agent_id)
    expect(shown.length).toBeLessThanOrEqual(CAP)
    expect(shown).not.toContain(id(0))
    expect(s.inspector.get(agentKey(id(0)))).toBeUndefined()
    expect(s.inspector.list().length).toBeLessThanOrEqual(CAP + 1)
    const snapshot = (await (await s.app.handle(new Request('http://localhost/api/snapshot', { headers: { host: 'localhost' } }))).json()) as { agents: unknown[] }
    expect(snapshot.agents.length).toBeLessThanOrEqual(CAP)
    const run = await (await s.app.handle(new Request('http://localhost/runs/g1', { headers: { host: 'localhost' } }))).text()
    // Rebuilt from the store: every agent of the run counts, those that left memory too.
    // (read as text: the header's numbers are links now)
    expect(run.replace(/<[^>]+>/g, '').includes('150/200 completed')).toBe(true)
    const history = await (await s.app.handle(new Request(`http://localhost/history?agent=${id(0)}`, { headers: { host: 'localhost' } }))).text()
    expect(history.includes('completed: result of 0')).toBe(true)
  })

  it('takes every agent when all in memory are still working, and says so once', async () => {
    const lines: Array<Record<string, unknown>> = []
    configureLogs('json', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
    const s = await start({ maxAgents: CAP })
    await ingest(s, swarm(200, 0))
    expect(s.dashboard.agents.size).toBe(CAP)
    expect(s.dashboard.agents.get(id(199))?.getSnapshot().value).toBe('running')
    expect(s.store.query({ limit: 1000 }).length).toBe(200)
    const warnings = lines.filter((l) => String(l.message).includes('still working'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ level: 'WARN', logger: 'switchboard.dashboard', max: CAP })
  })

  it('comes back within the cap after a restart, from a checkpoint holding more agents than the cap or from the events alone', async () => {
    const dbPath = tempDb()
    const first = await start({ dbPath })
    await ingest(first, swarm(200, 150))
    expect(first.dashboard.agents.size).toBe(200)
    await first.stop()
    const db = new Database(dbPath)
    const body = db.query<{ body: string }, []>("SELECT body FROM checkpoints WHERE name = 'dashboard'").get()!.body
    const decoded = decodeCheckpoint(body)
    expect('checkpoint' in decoded && decoded.checkpoint.agents.length).toBe(200)
    db.close()

    const fromCheckpoint = await start({ dbPath, maxAgents: CAP })
    expect(fromCheckpoint.dashboard.agents.size).toBe(CAP)
    expect(fromCheckpoint.dashboard.agents.get(id(199))?.getSnapshot().value).toBe('running')
    expect(fromCheckpoint.dashboard.agents.get(id(0))).toBeUndefined()
    await fromCheckpoint.stop()

    const unusable = new Database(dbPath)
    unusable.run('DELETE FROM checkpoints')
    unusable.close()
    const fromEvents = await start({ dbPath, maxAgents: CAP })
    expect(fromEvents.dashboard.agents.size).toBe(CAP)
    expect(fromEvents.dashboard.agents.get(id(150))?.getSnapshot().value).toBe('running')
    expect(fromEvents.dashboard.agents.get(id(0))).toBeUndefined()
  })
})
