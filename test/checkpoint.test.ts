// Checkpoints on a real SQLite file: one that cannot be decoded is said in the log and the state comes back
// from the events; one of version 2 (written before every agent field existed) is brought up to version 3.
import { Database } from 'bun:sqlite'
import { resetSync } from '@logtape/logtape'
import { afterEach, describe, expect, it } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDurableBus } from '../src/events/durable'
import { readFileSync } from 'node:fs'
import { CHECKPOINT_VERSION, decodeCheckpoint } from '../src/machines/checkpoint'
import { createDashboard, startDashboard } from '../src/machines/dashboard'
import { makeEvent } from '../src/protocol/event'
import { configureLogs } from '../src/telemetry/log'
import { deriveAll } from '../src/view-model/derive'

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'switchboard-checkpoint-')), 's.db')
type Line = { level: string; logger: string; message: string; problem?: string; version?: number }

let logged: Line[] = []
afterEach(() => {
  logged = []
  resetSync()
})
const captureLogs = () => configureLogs('json', (line) => logged.push(JSON.parse(line) as Line))
const dashboardLines = () => logged.filter((l) => l.logger === 'switchboard.dashboard')

let n = 0
const at = (i: number) => 1_764_057_600_000 + i
/** A run of one graph: two agents, tool and model calls, one of them done; stored and checkpointed, then closed. */
async function storedRun(path: string): Promise<string> {
  const durable = openDurableBus(path, undefined, 10)
  const dashboard = startDashboard(durable.bus, { restore: durable.restore })
  durable.start(() => dashboard.checkpoint())
  const publish = (category: Parameters<typeof makeEvent>[0], action: string, agent_id: string, payload: Record<string, unknown> = {}) =>
    durable.bus.publish(makeEvent(category, action, { id: `c-${++n}`, timestamp: at(n), graph_id: 'g', agent_id, payload }))
  durable.bus.publish(makeEvent('graph', 'started', { id: `c-${++n}`, timestamp: at(n), graph_id: 'g', payload: { agents: [{ agent_id: 'a' }, { agent_id: 'b' }] } }))
  for (const id of ['a', 'b']) publish('agent', 'started', id)
  for (let i = 0; i < 20; i++) publish('tool', 'called', i % 2 ? 'a' : 'b', { tool: `t${i}` })
  publish('model', 'response', 'a', { model: 'm', input_tokens: 10, output_tokens: 5 })
  // A second commit, so that there is an older checkpoint slot to start from (with the above in it).
  await durable.bus.persisted()
  for (let i = 20; i < 30; i++) publish('tool', 'called', i % 2 ? 'a' : 'b', { tool: `t${i}` })
  publish('agent', 'completed', 'b', { result: 'ok' })
  await durable.bus.persisted()
  const view = JSON.stringify(deriveAll(dashboard, [], 0))
  dashboard.stop()
  durable.close()
  return view
}

const setCheckpoints = (path: string, body: (old: string) => string) => {
  const db = new Database(path)
  for (const row of db.query<{ name: string; body: string }, []>("SELECT name, body FROM checkpoints WHERE name LIKE 'dashboard%'").all())
    db.query('UPDATE checkpoints SET body = ? WHERE name = ?').run(body(row.body), row.name)
  db.close()
}

/** Start as the server does, from the file: the restored view and the agent actors' contexts. */
function restart(path: string) {
  const durable = openDurableBus(path, undefined, 10)
  const dashboard = startDashboard(durable.bus, { restore: durable.restore })
  return { durable, dashboard, view: JSON.stringify(deriveAll(dashboard, [], 0)), stop: () => (dashboard.stop(), durable.close()) }
}

describe('a checkpoint that cannot be decoded', () => {
  it('is said in the log with the reason, and the state comes back from the events', async () => {
    const path = tempDb()
    const before = await storedRun(path)
    setCheckpoints(path, () => '{"v":3,"dashboard":{"status":"act')
    captureLogs()
    const s = restart(path)
    expect(s.durable.restore.checkpoint).toBeDefined()
    expect(s.view).toBe(before)
    expect(dashboardLines()).toEqual([expect.objectContaining({ level: 'WARN', problem: expect.stringContaining('not JSON') })])
    expect(dashboardLines()[0]!.message).toStartWith('the checkpoint cannot be used (not JSON')
    s.stop()
  })

  it('of a version this Switchboard does not read is discarded with a line, and replayed from the events', async () => {
    const path = tempDb()
    const before = await storedRun(path)
    setCheckpoints(path, (body) => body.replace(`{"v":${CHECKPOINT_VERSION},`, '{"v":1,'))
    captureLogs()
    const s = restart(path)
    expect(s.view).toBe(before)
    expect(dashboardLines().map((l) => l.message)).toEqual([`the checkpoint cannot be used (version 1; this Switchboard reads 2 to ${CHECKPOINT_VERSION}); replaying every stored event`])
    s.stop()
  })
})

describe('a checkpoint of version 2', () => {
  /** What Switchboard wrote before tokens in/out, usage and recent tools were in each agent's context. */
  const asVersion2 = (body: string) => {
    const c = JSON.parse(body) as { v: number; agents: Array<[string, { context: Record<string, unknown> }]> }
    for (const [, snapshot] of c.agents) for (const field of ['tokens_in', 'tokens_out', 'usage', 'recent_tools']) delete snapshot.context[field]
    return JSON.stringify({ ...c, v: 2 })
  }

  it('is brought up to version 3 on load: the fields it lacks start empty, and the agents go on from there', async () => {
    const path = tempDb()
    await storedRun(path)
    setCheckpoints(path, asVersion2)
    captureLogs()
    const s = restart(path)
    expect(dashboardLines().map((l) => [l.level, l.message])).toEqual([['INFO', `the checkpoint of version 2 was brought up to version ${CHECKPOINT_VERSION}`]])
    const a = s.dashboard.agents.get('a')!.getSnapshot().context
    // Restored from the checkpoint, not replayed: a replay would have found the tokens and tool calls.
    expect(a.tool_calls).toBe(15)
    expect(a.tokens_in).toBe(0)
    expect(a.usage).toEqual([])
    // Events after the start count on from the filled fields (NaN and a throw before the fallbacks went).
    s.durable.bus.publish(makeEvent('model', 'response', { id: `c-${++n}`, timestamp: at(n), agent_id: 'a', payload: { model: 'm', input_tokens: 3, output_tokens: 1 } }))
    s.durable.bus.publish(makeEvent('tool', 'called', { id: `c-${++n}`, timestamp: at(n), agent_id: 'a', payload: { tool: 'late' } }))
    // Shown once stored.
    await s.durable.bus.persisted()
    const after = s.dashboard.agents.get('a')!.getSnapshot().context
    expect([after.tokens_in, after.tokens_out]).toEqual([3, 1])
    expect(after.usage).toEqual([{ model: 'm', input: 3, output: 1, total: 4 }])
    expect(after.recent_tools.at(-1)?.tool).toBe('late')
    expect(JSON.parse(s.dashboard.checkpoint()).v).toBe(CHECKPOINT_VERSION)
    s.stop()
  })
})

describe('a checkpoint of version 3, written before agents had turns', () => {
  // Written by Switchboard at 66715cd (before issue 23): Builder done and Checker failed as XState final
  // states (status "done"), Asker blocked on m-a. See the fixture's agents for the rest.
  const v3 = readFileSync(join(import.meta.dir, 'fixtures', 'checkpoint-v3.json'), 'utf8')

  it('restores its ended agents as active, in their first turn, and each takes a next turn', () => {
    const decoded = decodeCheckpoint(v3)
    if ('problem' in decoded) throw new Error(decoded.problem)
    expect(decoded.version).toBe(3)
    const d = createDashboard({ from: decoded.checkpoint })
    const state = (id: string) => d.agents.get(id)!.getSnapshot()
    expect(['a', 'b', 'c'].map((id) => [state(id).value, state(id).status, state(id).context.turn, state(id).context.unanswered])).toEqual([
      ['blocked', 'active', 1, null],
      ['done', 'active', 1, null],
      ['failed', 'active', 1, null],
    ])
    const t = 1_764_057_700_000
    d.apply(makeEvent('tool', 'called', { id: 'next-1', timestamp: t, agent_id: 'b', graph_id: 'g', payload: { tool: 'pytest' } }))
    d.apply(makeEvent('agent', 'started', { id: 'next-2', timestamp: t + 1, agent_id: 'c', graph_id: 'g' }))
    d.apply(makeEvent('agent', 'resumed', { id: 'next-3', timestamp: t + 2, agent_id: 'a', graph_id: 'g', payload: { msg_id: 'm-a', timed_out: true } }))
    expect(state('b').value).toBe('running')
    // Counts and tokens go on from the checkpoint's.
    expect(state('b').context).toMatchObject({ turn: 2, tool_calls: 2, tokens: 120, usage: [{ model: 'gpt-4o', input: 100, output: 20, total: 120 }] })
    expect([state('c').value, state('c').context.turn, state('c').context.error]).toEqual(['running', 2, 'pytest exit 1'])
    expect([state('a').value, state('a').context.unanswered]).toEqual(['running', 'timed_out'])
    const again = JSON.parse(d.checkpoint()) as { v: number; agents: Array<[string, { status: string }]> }
    expect(again.v).toBe(CHECKPOINT_VERSION)
    d.stop()
  })

  it('is brought up to this version on a real start from the file, said once in the log', async () => {
    const path = tempDb()
    await storedRun(path)
    setCheckpoints(path, (body) => {
      // The stored run as version 3 wrote it: the done agent final, no turns.
      const c = JSON.parse(body) as { v: number; agents: Array<[string, { status: string; value: string; context: Record<string, unknown> }]> }
      for (const [, snapshot] of c.agents) {
        delete snapshot.context.turn
        delete snapshot.context.unanswered
        if (snapshot.value === 'done') snapshot.status = 'done'
      }
      return JSON.stringify({ ...c, v: 3 })
    })
    captureLogs()
    const s = restart(path)
    expect(dashboardLines().map((l) => [l.level, l.message])).toEqual([['INFO', `the checkpoint of version 3 was brought up to version ${CHECKPOINT_VERSION}`]])
    expect([s.dashboard.agents.get('b')!.getSnapshot().value, s.dashboard.agents.get('b')!.getSnapshot().context.turn]).toEqual(['done', 1])
    s.durable.bus.publish(makeEvent('agent', 'started', { id: `c-${++n}`, timestamp: at(n), agent_id: 'b', graph_id: 'g' }))
    await s.durable.bus.persisted()
    expect([s.dashboard.agents.get('b')!.getSnapshot().value, s.dashboard.agents.get('b')!.getSnapshot().context.turn]).toEqual(['running', 2])
    s.stop()
  })
})
