// replayAgent: an agent rebuilt from its stored events equals the live actor that took the same events.
import { afterEach, describe, expect, it } from 'bun:test'
import { EventStore } from '../src/events/event-store'
import { agentKey, Inspector } from '../src/inspector/inspector'
import { createDashboard } from '../src/machines/dashboard'
import { makeEvent, type Category, type Event } from '../src/protocol/event'
import { replayAgent } from '../src/view-model/agent-replay'
import { tempDb } from './support/server'

let seq = 0
const T0 = Date.UTC(2026, 5, 1, 9, 0, 0)
const ev = (category: Category, action: string, fields: Partial<Event> = {}) =>
  makeEvent(category, action, { id: `rp-${++seq}`, timestamp: T0 + seq * 1_000, ...fields })
const of = (agent_id: string) => (category: Category, action: string, payload: Record<string, unknown> = {}) => ev(category, action, { agent_id, payload })

const stores: EventStore[] = []
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
})

/** The same events to a live dashboard (with its inspector) and to a real store on disk. */
async function both(events: Event[]) {
  const store = new EventStore(tempDb())
  stores.push(store)
  const inspector = new Inspector()
  const dashboard = createDashboard({ inspect: inspector.observe })
  for (const e of events) {
    store.append(e)
    dashboard.apply(e)
  }
  await store.flushed()
  return { store, inspector, dashboard }
}

/** What the page shows of a sequence, without the receipt times (live: the clock; rebuilt: the events' own). */
const shown = (log: readonly { seq: number; type: string; before: unknown; after: unknown; context: unknown }[]) =>
  log.map(({ seq, type, before, after, context }) => ({ seq, type, before, after, context }))

async function expectSameAsLive(agentId: string, events: Event[]) {
  const { store, inspector, dashboard } = await both(events)
  const live = dashboard.agents.get(agentId)!.getSnapshot()
  const replay = replayAgent(store, agentId)!
  expect(replay.snapshot.value).toEqual(live.value)
  expect(replay.snapshot.context).toEqual(live.context)
  expect(shown(replay.record.log)).toEqual(shown(inspector.get(agentKey(agentId))!.log))
  expect(replay.truncated).toBe(false)
  dashboard.stop()
  return replay
}

describe('replayAgent', () => {
  it('rebuilds tool and model calls as the live actor has them', async () => {
    const a = of('rp-tool')
    const replay = await expectSameAsLive('rp-tool', [
      a('agent', 'started', { name: 'Tooler' }),
      a('tool', 'called', { tool: 'grep', args: { pattern: 'TODO' } }),
      a('tool', 'completed', { tool: 'grep', result: '3 matches' }),
      a('model', 'request', { model: 'm-1' }),
      a('model', 'response', { model: 'm-1', input_tokens: 120, output_tokens: 30 }),
      a('tool', 'called', { tool: 'sed' }),
    ])
    expect(replay.snapshot.value).toBe('running')
    expect(replay.snapshot.context.tokens).toBe(150)
    expect(replay.events).toBe(6)
  })

  it('rebuilds a question asked and answered', async () => {
    const a = of('rp-q')
    const replay = await expectSameAsLive('rp-q', [
      a('agent', 'started'),
      a('agent', 'blocked', { msg_id: 'rp-q-1', question: 'Deploy?' }),
      a('agent', 'resumed', { msg_id: 'rp-q-1', answer: 'yes' }),
    ])
    expect(replay.snapshot.value).toBe('resumed')
  })

  it('rebuilds an agent still blocked', async () => {
    const a = of('rp-b')
    const replay = await expectSameAsLive('rp-b', [a('agent', 'started'), a('agent', 'blocked', { msg_id: 'rp-b-1', question: 'Which?' })])
    expect(replay.snapshot.context.awaiting).toBe('rp-b-1')
  })

  it('rebuilds a failure, and what came after it as the live actor took it', async () => {
    const a = of('rp-f')
    const replay = await expectSameAsLive('rp-f', [a('agent', 'started'), a('tool', 'failed', { tool: 'pytest', error: 'exit 1' }), a('agent', 'failed', { error: 'pytest exit 1' }), a('tool', 'called', { tool: 'late' })])
    expect(replay.snapshot.context.error).toBe('pytest exit 1')
  })

  it('takes name, run and dependencies from the graph:started that announced it before it spoke', async () => {
    const a = of('rp-g')
    const graph = ev('graph', 'started', { graph_id: 'rp-run', payload: { agents: [{ agent_id: 'rp-other' }, { agent_id: 'rp-g', name: 'Builder', depends_on: ['rp-other'] }] } })
    const replay = await expectSameAsLive('rp-g', [graph, a('agent', 'started'), a('agent', 'completed', { result: 'ok' })])
    expect(replay.snapshot.context).toMatchObject({ name: 'Builder', graph_id: 'rp-run', depends_on: ['rp-other'] })
  })

  it('ignores an announcement that came after the agent spoke, as the roster does', async () => {
    const a = of('rp-late')
    const graph = ev('graph', 'started', { graph_id: 'rp-late-run', payload: { agents: [{ agent_id: 'rp-late', name: 'Late name' }] } })
    const replay = await expectSameAsLive('rp-late', [a('agent', 'started'), graph, a('tool', 'called', { tool: 'ls' })])
    expect(replay.snapshot.context.name).toBe('rp-late')
  })

  it('rebuilds an agent announced but silent, waiting to start, from its announcement alone', async () => {
    const graph = ev('graph', 'started', { graph_id: 'rp-quiet-run', payload: { agents: [{ agent_id: 'rp-Quiet' }, { agent_id: 'rp-quiet', name: 'Quiet' }] } })
    const replay = await expectSameAsLive('rp-quiet', [graph])
    expect(replay.snapshot.value).toBe('idle')
    expect(replay.snapshot.context.name).toBe('Quiet')
    expect(replay.events).toBe(0)
  })

  it('answers undefined for an agent nothing stored names', async () => {
    const { store } = await both([of('rp-someone')('agent', 'started')])
    expect(replayAgent(store, 'rp-nobody')).toBeUndefined()
    expect(replayAgent(store, 'RP-SOMEONE')).toBeUndefined()
  })

  it('stops after entry `upTo`: the agent as it was then', async () => {
    const a = of('rp-tt')
    const { store } = await both([a('agent', 'started'), a('tool', 'called', { tool: 'x' }), a('agent', 'completed')])
    const replay = replayAgent(store, 'rp-tt', { upTo: 2 })!
    expect(replay.snapshot.value).toBe('running')
    expect(replay.record.log.map((e) => e.type)).toEqual(['xstate.init', 'AGENT_STARTED'])
    expect(replay.events).toBe(1)
  })

  it('reads at most maxEvents and says it stopped there', async () => {
    const a = of('rp-many')
    const { store } = await both([a('agent', 'started'), ...Array.from({ length: 9 }, () => a('model', 'request'))])
    const capped = replayAgent(store, 'rp-many', { maxEvents: 4 })!
    expect(capped).toMatchObject({ events: 4, truncated: true })
    expect(capped.snapshot.context.model_calls).toBe(3)
    expect(replayAgent(store, 'rp-many', { maxEvents: 10 })).toMatchObject({ events: 10, truncated: false })
  })
})
