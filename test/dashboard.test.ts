import { afterEach, describe, expect, it } from 'bun:test'
import type { InspectionEvent } from 'xstate'
import { EventBus } from '../src/events/bus'
import { makeEvent, type Category, type Event } from '../src/protocol/event'
import { startDashboard } from '../src/machines/dashboard'
import { bookOf, deriveAll, deriveViewModel, filterEvents, MAX_RESULTS } from '../src/view-model/derive'
import { NO_USAGE } from '../src/view-model/usage'

let clock = 1_700_000_000_000
function ev(category: Category, action: string, fields: Partial<Event> = {}): Event {
  clock += 10
  return makeEvent(category, action, { timestamp: clock, ...fields })
}
const agentEv = (agent_id: string, action: string, payload: Record<string, unknown> = {}, extra: Partial<Event> = {}) =>
  ev('agent', action, { agent_id, payload, ...extra })
const toolEv = (agent_id: string, action: string, tool: string) => ev('tool', action, { agent_id, payload: { tool } })

let stops: Array<() => void> = []
function setup() {
  const bus = new EventBus()
  const dash = startDashboard(bus)
  stops.push(dash.stop)
  const view = () => deriveAll(dash, [], 0)
  return { bus, dash, view }
}
const agent = (vm: ReturnType<typeof deriveAll>, id: string) => vm.agents.find((a) => a.agent_id === id)
afterEach(() => {
  for (const stop of stops) stop()
  stops = []
})

describe('dashboard', () => {
  it('derives a whole agent life published on a real bus', () => {
    const { bus, view } = setup()
    bus.publish(agentEv('a1', 'started', { name: 'Docs' }, { graph_id: 'g1' }))
    bus.publish(toolEv('a1', 'called', 'ruff'))
    expect(agent(view(), 'a1')).toMatchObject({ state: 'running', label: 'Running', current_tool: 'ruff', tool_calls: 1, name: 'Docs', graph_id: 'g1' })
    bus.publish(toolEv('a1', 'completed', 'ruff'))
    bus.publish(agentEv('a1', 'blocked', { msg_id: 'm1', question: 'Which docstring style?', options: ['google'] }))
    let vm = view()
    expect(agent(vm, 'a1')!.label).toBe('Waiting for answer')
    expect(vm.progress).toMatchObject({ total: 1, blocked: 1, running: 0 })
    bus.publish(agentEv('a1', 'resumed', { msg_id: 'm1', answer: 'google' }))
    vm = view()
    expect(agent(vm, 'a1')!.state).toBe('resumed')
    expect(vm.progress.running).toBe(1)
    bus.publish(agentEv('a1', 'completed', { result: 'all done' }))
    vm = view()
    expect(vm.agents.map((a) => [a.agent_id, a.state, a.label])).toEqual([['a1', 'done', 'Done']])
    expect(vm.progress).toEqual({ total: 1, completed: 1, failed: 0, skipped: 0, blocked: 0, running: 0, answered: 0, idle: 0, waiting: 0, cancelled: 0 })
    expect(vm.results).toEqual([{ agent_id: 'a1', agent_name: 'Docs', result: 'all done', at: clock, status: 'done' }])
    expect(vm.events.map((e) => e.summary)).toEqual([
      'completed: all done',
      'answered: google',
      'asked: Which docstring style?',
      'tool ruff completed',
      'tool ruff called',
      'started',
    ])
    expect(filterEvents(vm.events).map((e) => e.action)).toEqual(['completed', 'resumed', 'blocked', 'started'])
    expect(filterEvents(vm.events, ['tool'])).toHaveLength(2)
  })

  it('logs a repeated event id once', () => {
    const { bus, dash, view } = setup()
    const started = agentEv('a1', 'started')
    bus.publish(started)
    // The bus drops the repeat; sending it straight to the actor exercises the machine's own guard.
    bus.publish(started)
    dash.actor.send({ type: 'AGENT_STARTED', event: started })
    const vm = view()
    expect(vm.events.filter((e) => e.id === started.id)).toHaveLength(1)
    expect(vm.events).toHaveLength(1)
  })

  it('makes its cards from the pending question records, named after their agent', () => {
    const { bus, dash } = setup()
    bus.publish(agentEv('a1', 'started', { name: 'Docs' }))
    const pending = [
      { msg_id: 'm1', agent_id: 'a1', question: 'Which style?', options: ['google'], kind: 'options' as const, status: 'pending' as const, created_at: 5 },
      { msg_id: 'm2', agent_id: 'gone', question: 'Still there?', options: [], kind: 'text' as const, status: 'pending' as const, created_at: 6 },
    ]
    const vm = deriveViewModel(dash.actor.getSnapshot(), bookOf(dash), pending, 0)
    expect(vm.blocked).toEqual([
      { msg_id: 'm1', agent_id: 'a1', agent_name: 'Docs', question: 'Which style?', options: ['google'], kind: 'options', tools: [], asked_at: 5 },
      { msg_id: 'm2', agent_id: 'gone', agent_name: 'gone', question: 'Still there?', options: [], kind: 'text', tools: [], asked_at: 6 },
    ])
  })

  it('replays bus history on start', () => {
    const bus = new EventBus()
    bus.publish(agentEv('early', 'started'))
    const dash = startDashboard(bus)
    stops.push(dash.stop)
    expect(agent(deriveAll(dash), 'early')!.state).toBe('running')
  })

  it('spawns the agents a graph announces and counts them per graph', () => {
    const { bus, dash, view } = setup()
    bus.publish(ev('graph', 'started', { graph_id: 'g1', payload: { agents: [{ agent_id: 'a', name: 'Alpha' }, { agent_id: 'b', depends_on: ['a'] }, { agent_id: 'c' }] } }))
    expect([...dash.agents.values()].map((a) => a.id)).toEqual(['agent:a', 'agent:b', 'agent:c'])
    let vm = view()
    expect(vm.agents.map((a) => [a.agent_id, a.name, a.state, a.graph_id])).toEqual([
      ['a', 'Alpha', 'idle', 'g1'],
      ['b', 'b', 'idle', 'g1'],
      ['c', 'c', 'idle', 'g1'],
    ])
    expect(dash.agents.get('b')!.getSnapshot().context.depends_on).toEqual(['a'])
    bus.publish(agentEv('a', 'started', {}, { graph_id: 'g1' }))
    bus.publish(agentEv('a', 'completed', {}, { graph_id: 'g1' }))
    bus.publish(agentEv('b', 'started', {}, { graph_id: 'g1' }))
    bus.publish(agentEv('b', 'blocked', { msg_id: 'q', question: '?' }, { graph_id: 'g1' }))
    bus.publish(agentEv('c', 'skipped', {}, { graph_id: 'g1' }))
    vm = view()
    expect(vm.graphs).toEqual([{ graph_id: 'g1', total: 3, done: 1, failed: 0, skipped: 1, running: 0, blocked: 1, status: 'running', usage: NO_USAGE, stalled: 1 }])
    bus.publish(agentEv('b', 'failed', { error: 'x' }, { graph_id: 'g1' }))
    bus.publish(ev('graph', 'failed', { graph_id: 'g1' }))
    expect(view().graphs[0]).toMatchObject({ failed: 1, blocked: 0, status: 'failed' })
    expect(view().events[0]!.summary).toBe('graph failed')
  })

  it('keeps results newest first and bounded', () => {
    const { bus, view } = setup()
    for (let i = 0; i < MAX_RESULTS + 5; i++) {
      bus.publish(agentEv(`r${i}`, 'started'))
      bus.publish(agentEv(`r${i}`, i % 2 ? 'failed' : 'completed', i % 2 ? { error: `e${i}` } : { summary: `s${i}` }))
    }
    const results = view().results
    expect(results).toHaveLength(MAX_RESULTS)
    expect(results[0]).toMatchObject({ agent_id: `r${MAX_RESULTS + 4}`, status: 'done', result: `s${MAX_RESULTS + 4}` })
    expect(results[1]).toMatchObject({ status: 'failed', result: `e${MAX_RESULTS + 3}` })
    expect(results.map((r) => r.at)).toEqual([...results.map((r) => r.at)].sort((a, b) => b - a))
  })

  it('keeps the last 200 events', () => {
    const { bus, dash } = setup()
    bus.publish(agentEv('a', 'started'))
    for (let i = 0; i < 250; i++) bus.publish(toolEv('a', 'called', `t${i}`))
    const events = dash.actor.getSnapshot().context.events
    expect(events).toHaveLength(200)
    expect(events.at(-1)!.payload.tool).toBe('t249')
  })

  it('opens the next turn of an agent that reports again after it finished, and logs all of it', () => {
    const { bus, view } = setup()
    bus.publish(agentEv('a', 'started'))
    bus.publish(agentEv('a', 'completed'))
    bus.publish(agentEv('a', 'started'))
    const vm = view()
    // Regression (issue 23): the actor had stopped at done, and this start was acknowledged and dropped.
    expect(agent(vm, 'a')!.state).toBe('running')
    expect(vm.events.map((e) => e.action)).toEqual(['started', 'completed', 'started'])
  })

  it('indexes agents by any id, __proto__ and constructor included', () => {
    const { bus, view } = setup()
    for (const id of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) bus.publish(agentEv(id, 'started', { name: id }))
    bus.publish(ev('graph', 'started', { graph_id: 'valueOf', payload: { agents: [{ agent_id: '__proto__' }, { agent_id: 'valueOf' }] } }))
    const vm = view()
    expect(vm.agents.map((a) => [a.agent_id, a.state])).toEqual([
      ['__proto__', 'running'],
      ['constructor', 'running'],
      ['toString', 'running'],
      ['hasOwnProperty', 'running'],
      ['valueOf', 'idle'],
    ])
    expect(vm.graphs).toMatchObject([{ graph_id: 'valueOf', total: 2, running: 1 }])
  })

  it('retires agents of no graph once ended or silent past the limit, and keeps graph agents and recent ones', () => {
    const { bus, dash, view } = setup()
    bus.publish(ev('graph', 'started', { graph_id: 'g', payload: { agents: [{ agent_id: 'member' }] } }))
    bus.publish(agentEv('member', 'started', {}, { graph_id: 'g' }))
    bus.publish(agentEv('member', 'completed', {}, { graph_id: 'g' }))
    bus.publish(agentEv('ended', 'started'))
    bus.publish(agentEv('ended', 'completed'))
    bus.publish(agentEv('silent', 'started'))
    const lastOld = clock
    bus.publish(agentEv('recent', 'started', {}, { timestamp: lastOld + 50_000 }))
    dash.sweep(30_000, lastOld + 40_000)
    expect(view().agents.map((a) => a.agent_id)).toEqual(['member', 'recent'])
    expect(dash.agents.get('ended')).toBeUndefined()
    // Sweeping again changes nothing, and a retired agent that reports again comes back.
    dash.sweep(30_000, lastOld + 40_000)
    bus.publish(agentEv('silent', 'started'))
    expect(view().agents.map((a) => a.agent_id)).toEqual(['member', 'recent', 'silent'])
  })

  it('passes inspect through so the whole system is observable', () => {
    const bus = new EventBus()
    const seen: InspectionEvent[] = []
    const dash = startDashboard(bus, { inspect: (e) => seen.push(e) })
    stops.push(dash.stop)
    bus.publish(agentEv('a', 'started'))
    const actors = seen.filter((e) => e.type === '@xstate.actor').map((e) => (e.actorRef as { id?: string }).id)
    expect(actors).toContain('agent:a')
  })

  it('forgets the agents of ended graphs when a new graph starts, so a long-open dashboard stays bounded', () => {
    const { bus, dash, view } = setup()
    const announce = (graph_id: string, ids: string[]) =>
      bus.publish(ev('graph', 'started', { graph_id, payload: { agents: ids.map((agent_id) => ({ agent_id })) } }))
    announce('g1', ['x', 'old'])
    for (const id of ['x', 'old']) {
      bus.publish(agentEv(id, 'started', {}, { graph_id: 'g1' }))
      bus.publish(agentEv(id, 'completed', { result: 'ok' }, { graph_id: 'g1' }))
    }
    bus.publish(ev('graph', 'started', { graph_id: 'live', payload: { agents: [{ agent_id: 'other' }] } }))
    bus.publish(ev('graph', 'completed', { graph_id: 'g1' }))
    announce('g2', ['x'])
    const v = view()
    expect(v.agents.map((a) => [a.agent_id, a.state])).toEqual([['other', 'idle'], ['x', 'idle']])
    expect(v.graphs.map((g) => g.graph_id).sort()).toEqual(['g2', 'live'])
    // Results derive from the agents shown: the retired ones' results go with them.
    expect(v.results).toHaveLength(0)
    expect([...dash.agents.values()].map((a) => a.id).sort()).toEqual(['agent:other', 'agent:x'])
    bus.publish(agentEv('x', 'started', {}, { graph_id: 'g2' }))
    expect(agent(view(), 'x')?.state).toBe('running')
  })
})
