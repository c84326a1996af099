// An agent's turns outlive its actor (issue 23): after a restart (from a checkpoint plus the events after it, and
// from the events alone) and after it left memory (past SWITCHBOARD_MAX_AGENTS), it goes on in the turn its events count.
import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDurableBus } from '../src/events/durable'
import { decodeCheckpoint } from '../src/machines/checkpoint'
import { startDashboard } from '../src/machines/dashboard'
import { makeEvent, type Event } from '../src/protocol/event'
import { post } from './support/http'
import { startTestServer } from './support/server'

// Recent: retention prunes events older than its days up to the older checkpoint.
const T0 = Date.now() - 3_600_000
let n = 0
const ev = (agent_id: string, category: Parameters<typeof makeEvent>[0], action: string, payload: Record<string, unknown> = {}): Event =>
  makeEvent(category, action, { id: `tr-${++n}`, timestamp: T0 + n * 1000, agent_id, payload })

/** Start as the server does from the file, checkpointing every 4 events (so an older slot exists to start from). */
function open(path: string) {
  const durable = openDurableBus(path, undefined, 4)
  const dashboard = startDashboard(durable.bus, { restore: durable.restore })
  durable.start(() => dashboard.checkpoint())
  const ingest = async (events: Event[]) => {
    await durable.bus.ingest(events)
  }
  const chat = () => {
    const { value, context } = dashboard.agents.get('chat')!.getSnapshot()
    return { value, turn: context.turn, tool_calls: context.tool_calls, tokens: context.tokens, waiting_reason: context.waiting_reason }
  }
  return { durable, ingest, chat, stop: () => (dashboard.stop(), durable.close()) }
}

describe('turns across a restart', () => {
  it('come back as they were, from a checkpoint and from the events alone', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'switchboard-turns-')), 's.db')
    const first = open(path)
    await first.ingest([ev('chat', 'agent', 'started'), ev('chat', 'tool', 'called', { tool: 'search' }), ev('chat', 'model', 'response', { tokens: 50 }), ev('chat', 'agent', 'completed', { summary: 'one' })])
    await first.ingest([ev('chat', 'tool', 'called', { tool: 'search' }), ev('chat', 'agent', 'completed', { summary: 'two' }), ev('chat', 'agent', 'waiting', { reason: 'next message' })])
    // More commits, so that the older slot a start restores from holds chat waiting in turn 2.
    for (let i = 0; i < 3; i++) await first.ingest(Array.from({ length: 4 }, () => ev('other', 'agent', 'started')))
    const before = first.chat()
    expect(before).toEqual({ value: 'waiting', turn: 2, tool_calls: 2, tokens: 50, waiting_reason: 'next message' })
    first.stop()

    const db = new Database(path)
    const previous = db.query<{ body: string }, []>("SELECT body FROM checkpoints WHERE name = 'dashboard-previous'").get()
    db.close()
    const slot = decodeCheckpoint(previous!.body)
    if ('problem' in slot) throw new Error(slot.problem)
    // The start below restores chat from this snapshot, not by replaying its events.
    expect(slot.checkpoint.agents.find(([id]) => id === 'chat')?.[1]).toMatchObject({ value: 'waiting', context: { turn: 2 } })

    const fromCheckpoint = open(path)
    expect(fromCheckpoint.chat()).toEqual(before)
    await fromCheckpoint.ingest([ev('chat', 'agent', 'started')])
    expect(fromCheckpoint.chat()).toMatchObject({ value: 'running', turn: 3 })
    fromCheckpoint.stop()

    const unusable = new Database(path)
    unusable.run('DELETE FROM checkpoints')
    unusable.close()
    const fromEvents = open(path)
    expect(fromEvents.chat()).toMatchObject({ value: 'running', turn: 3, tool_calls: 2, tokens: 50 })
    fromEvents.stop()
  })
})

describe('an agent back after it left memory', () => {
  it('goes on in the turn its stored events count, agreeing with its steps, also with several turns in one batch', async () => {
    const s = await startTestServer({ listen: false, maxAgents: 2 })
    try {
      const send = async (events: Event[]) => {
        const res = await s.app.handle(post('/api/events', events))
        expect(res.status).toBe(202)
        return (await res.json()) as { ignored: number }
      }
      await send([ev('session', 'agent', 'started'), ev('session', 'tool', 'called', { tool: 'a' }), ev('session', 'agent', 'completed')])
      await send([ev('session', 'tool', 'called', { tool: 'b' }), ev('session', 'agent', 'completed')])
      // Two newcomers past the cap of 2: the ended session leaves memory first.
      await send([ev('n1', 'agent', 'started'), ev('n2', 'agent', 'started')])
      expect(s.dashboard.agents.get('session')).toBeUndefined()
      // Back with a tool call (no agent:started): turn 3, then 4 in the same batch.
      expect(await send([ev('session', 'tool', 'called', { tool: 'c' }), ev('session', 'agent', 'completed'), ev('session', 'model', 'request', { model: 'm' })])).toMatchObject({ ignored: 0 })
      const back = s.dashboard.agents.get('session')!.getSnapshot()
      expect([back.value, back.context.turn]).toEqual(['running', 4])
      const steps = s.store.steps.page('session').steps
      expect(steps.map((step) => [step.name, step.turn])).toEqual([['a', 1], ['b', 2], ['c', 3], ['m', 4]])
    } finally {
      await s.stop()
    }
  })
})
