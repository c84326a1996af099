// The view model from a fixture swarm (the actors fed wire events directly, no bus) and bounded().
import { afterEach, describe, expect, it } from 'bun:test'
import { createDashboard } from '../src/machines/dashboard'
import { makeEvent, type Category, type Event } from '../src/protocol/event'
import type { PendingQuestion } from '../src/questions/question-record'
import { bounded, MAX_ITEMS, MAX_KEYS, MAX_STRING } from '../src/view-model/bounded'
import { DEFAULT_EVENT_CATEGORIES, deriveAll, filterEvents } from '../src/view-model/derive'
import { NO_USAGE } from '../src/view-model/usage'
import { EventLog } from '../src/views/results'

const T0 = 1_700_000_000_000
const at = (n: number) => T0 + n
const NOW = at(1_000)
const LONG = 'y'.repeat(5_000)

let actors: Array<{ stop(): void }> = []
afterEach(() => {
  for (const a of actors) a.stop()
  actors = []
})

/** Event `n` of the fixture: id `e<n>`, stamped T0 + n. */
function fixtureEvent(n: number, category: Category, action: string, fields: Partial<Event> = {}): Event {
  return makeEvent(category, action, { id: `e${n}`, timestamp: at(n), ...fields })
}

/** The fixture swarm, sent straight to fresh actors (no bus). */
function fixtureSnapshot() {
  const dashboard = createDashboard()
  actors.push(dashboard)
  const events: Event[] = [
    fixtureEvent(1, 'graph', 'started', {
      graph_id: 'g1',
      payload: { agents: [{ agent_id: 'a', name: 'Alpha' }, { agent_id: 'b' }, { agent_id: '__proto__', name: 'Proto' }] },
    }),
    fixtureEvent(2, 'agent', 'started', { agent_id: 'a', graph_id: 'g1' }),
    fixtureEvent(3, 'tool', 'called', { agent_id: 'a', graph_id: 'g1', payload: { tool: 'ruff' } }),
    fixtureEvent(4, 'model', 'request', { agent_id: 'a', graph_id: 'g1', payload: { model: 'm-small', tokens: 10 } }),
    fixtureEvent(5, 'tool', 'completed', { agent_id: 'a', graph_id: 'g1', payload: { tool: 'ruff', output: LONG } }),
    fixtureEvent(6, 'agent', 'completed', { agent_id: 'a', graph_id: 'g1', payload: { result: { files: 3 } } }),
    fixtureEvent(7, 'agent', 'started', { agent_id: 'b', graph_id: 'g1' }),
    fixtureEvent(8, 'agent', 'blocked', { agent_id: 'b', graph_id: 'g1', payload: { msg_id: 'm-b', question: 'Which style?', options: ['google', 'numpy'] } }),
    fixtureEvent(9, 'agent', 'started', { agent_id: '__proto__', graph_id: 'g1' }),
    fixtureEvent(10, 'agent', 'failed', { agent_id: '__proto__', graph_id: 'g1', payload: { error: 'boom' } }),
    // no graph: reported by itself, named by its own started event
    fixtureEvent(11, 'agent', 'started', { agent_id: 'constructor', payload: { name: 'Ctor' } }),
    fixtureEvent(12, 'tool', 'started', { agent_id: 'constructor', payload: { tool: 'grep' } }),
    // joins g1 without being announced
    fixtureEvent(13, 'agent', 'started', { agent_id: 'late', graph_id: 'g1' }),
    fixtureEvent(14, 'graph', 'started', { graph_id: 'g2', payload: { agents: [{ agent_id: 'c' }] } }),
    fixtureEvent(15, 'graph', 'completed', { graph_id: 'g2' }),
    fixtureEvent(16, 'user', 'responded', { agent_id: 'b', payload: { msg_id: 'm-x', agent_id: 'b' } }),
  ]
  for (const e of events) dashboard.apply(e)
  return { snapshot: dashboard, events }
}

const questions: PendingQuestion[] = [
  { msg_id: 'm-b', agent_id: 'b', question: 'Which style?', options: ['google', 'numpy'], kind: 'options', status: 'pending', created_at: at(8) },
  { msg_id: 'm-p', agent_id: '__proto__', question: 'Retry?', options: [], kind: 'text', status: 'pending', created_at: at(17), graph_id: 'g1' },
  { msg_id: 'm-c', agent_id: 'constructor', question: 'Which path?', options: ['src'], kind: 'options', status: 'pending', created_at: at(18) },
  // no such agent, and a name every plain object has
  { msg_id: 'm-ghost', agent_id: 'toString', question: 'Anyone?', options: [], kind: 'text', status: 'pending', created_at: at(19), timeout_s: 30 },
]

const BOUNDED_OUTPUT = `${'y'.repeat(1_000)}… [4000 more characters]`

describe('deriveViewModel', () => {
  it('marks a working agent that has been silent past the threshold as quiet, and only those', () => {
    const { snapshot } = fixtureSnapshot()
    const later = at(13) + 60_000
    const quiet = deriveAll(snapshot, [], later, 30_000).agents.filter((a) => a.quiet_for !== null)
    // constructor and late are running; b is blocked on a person, c waits to start, a and Proto ended.
    expect(quiet.map((a) => [a.agent_id, a.quiet_for])).toEqual([
      ['constructor', later - at(12)],
      ['late', later - at(13)],
    ])
    expect(deriveAll(snapshot, [], later, 120_000).agents.every((a) => a.quiet_for === null)).toBe(true)
  })

  it('derives the whole view model from a fixture snapshot and question records', () => {
    const { snapshot } = fixtureSnapshot()
    const vm = deriveAll(snapshot, questions, NOW)
    expect(Object.keys(vm).sort()).toEqual(['agents', 'blocked', 'events', 'graphs', 'now', 'panel', 'progress', 'results', 'usage'])
    expect(vm.now).toBe(NOW)
    expect(vm.agents).toEqual([
      { agent_id: 'a', turn: 1, unanswered: null, name: 'Alpha', state: 'done', label: 'Done', current_tool: null, tool_calls: 1, model_calls: 1, entered_at: at(6), graph_id: 'g1', quiet_for: null, usage: { ...NO_USAGE, total: 10, unpriced: 10 } },
      { agent_id: 'b', turn: 1, unanswered: null, name: 'b', state: 'blocked', label: 'Waiting for answer', current_tool: null, tool_calls: 0, model_calls: 0, entered_at: at(8), graph_id: 'g1', quiet_for: null, usage: NO_USAGE },
      // A pending question's record is the one truth: its agent is shown waiting for the answer, since it was asked.
      { agent_id: '__proto__', turn: 1, unanswered: null, error: 'boom', name: 'Proto', state: 'blocked', label: 'Waiting for answer', current_tool: null, tool_calls: 0, model_calls: 0, entered_at: at(17), graph_id: 'g1', quiet_for: null, usage: NO_USAGE },
      { agent_id: 'constructor', turn: 1, unanswered: null, name: 'Ctor', state: 'blocked', label: 'Waiting for answer', current_tool: 'grep', tool_calls: 1, model_calls: 0, entered_at: at(18), graph_id: undefined, quiet_for: null, usage: NO_USAGE },
      { agent_id: 'late', turn: 1, unanswered: null, name: 'late', state: 'running', label: 'Running', current_tool: null, tool_calls: 0, model_calls: 0, entered_at: at(13), graph_id: 'g1', quiet_for: null, usage: NO_USAGE },
      { agent_id: 'c', turn: 0, unanswered: null, name: 'c', state: 'idle', label: 'Waiting to start', current_tool: null, tool_calls: 0, model_calls: 0, entered_at: at(14), graph_id: 'g2', quiet_for: null, usage: NO_USAGE },
    ])
    // Counted as shown: b, Proto and Ctor wait on their questions, and so does toString, whose actor is gone (its card stays).
    expect(vm.progress).toEqual({ total: 7, completed: 1, failed: 0, skipped: 0, blocked: 4, running: 1, answered: 0, idle: 1, waiting: 0, cancelled: 0 })
    expect(vm.graphs).toEqual([
      { graph_id: 'g1', total: 4, done: 1, failed: 0, skipped: 0, running: 1, blocked: 2, status: 'running', usage: { ...NO_USAGE, total: 10, unpriced: 10 }, stalled: 0 },
      { graph_id: 'g2', total: 1, done: 0, failed: 0, skipped: 0, running: 0, blocked: 0, status: 'completed', usage: NO_USAGE, stalled: 0 },
    ])
    expect(vm.results).toEqual([
      { agent_id: '__proto__', agent_name: 'Proto', result: 'boom', at: at(10), status: 'failed' },
      { agent_id: 'a', agent_name: 'Alpha', result: { files: 3 }, at: at(6), status: 'done' },
    ])
    expect(vm.blocked).toEqual([
      // its record names no graph: the card names the agent's run
      { msg_id: 'm-b', agent_id: 'b', agent_name: 'b', question: 'Which style?', options: ['google', 'numpy'], kind: 'options', tools: [], graph_id: 'g1', asked_at: at(8) },
      { msg_id: 'm-p', agent_id: '__proto__', agent_name: 'Proto', question: 'Retry?', options: [], kind: 'text', tools: [], graph_id: 'g1', asked_at: at(17) },
      { msg_id: 'm-c', agent_id: 'constructor', agent_name: 'Ctor', question: 'Which path?', options: ['src'], kind: 'options', tools: [{ tool: 'grep', at: at(12) }], asked_at: at(18) },
      { msg_id: 'm-ghost', agent_id: 'toString', agent_name: 'toString', question: 'Anyone?', options: [], kind: 'text', tools: [], asked_at: at(19) },
    ])
    expect(vm.events.map((e) => [e.id, e.timestamp, `${e.category}:${e.action}`, e.agent_id, e.summary])).toEqual([
      ['e16', at(16), 'user:responded', 'b', 'user responded: m-x'],
      ['e15', at(15), 'graph:completed', undefined, 'graph completed'],
      ['e14', at(14), 'graph:started', undefined, 'graph started with 1 agent'],
      ['e13', at(13), 'agent:started', 'late', 'started'],
      ['e12', at(12), 'tool:started', 'constructor', 'tool grep started'],
      ['e11', at(11), 'agent:started', 'constructor', 'started'],
      ['e10', at(10), 'agent:failed', '__proto__', 'failed: boom'],
      ['e9', at(9), 'agent:started', '__proto__', 'started'],
      ['e8', at(8), 'agent:blocked', 'b', 'asked: Which style?'],
      ['e7', at(7), 'agent:started', 'b', 'started'],
      ['e6', at(6), 'agent:completed', 'a', 'completed: {"files":3}'],
      ['e5', at(5), 'tool:completed', 'a', 'tool ruff completed'],
      ['e4', at(4), 'model:request', 'a', 'model request (m-small), 10 tokens'],
      ['e3', at(3), 'tool:called', 'a', 'tool ruff called'],
      ['e2', at(2), 'agent:started', 'a', 'started'],
      ['e1', at(1), 'graph:started', undefined, 'graph started with 3 agents'],
    ])
  })

  it('gives each event view its summary and a bounded copy of its payload', () => {
    const { snapshot, events } = fixtureSnapshot()
    const vm = deriveAll(snapshot, [], NOW)
    const toolDone = vm.events.find((e) => e.id === 'e5')
    expect(toolDone).toEqual({
      id: 'e5',
      timestamp: at(5),
      category: 'tool',
      action: 'completed',
      agent_id: 'a',
      agent_name: 'Alpha',
      summary: 'tool ruff completed',
      payload: { tool: 'ruff', output: BOUNDED_OUTPUT },
    })
    expect((toolDone!.payload as { output: string }).output).toHaveLength(1_000 + '… [4000 more characters]'.length)
    // the event itself keeps its payload whole
    expect(events[4]!.payload.output).toBe(LONG)
    expect(vm.events.find((e) => e.id === 'e8')!.payload).toEqual({ msg_id: 'm-b', question: 'Which style?', options: ['google', 'numpy'] })
    expect(vm.events.find((e) => e.id === 'e15')!.payload).toEqual({})
  })

  // Found on main: the log showed `example-mwvzag…` ids where the agents had names.
  it('names each log line\'s agent as the book does, and leaves an unnamed agent\'s line by its id', () => {
    const { snapshot } = fixtureSnapshot()
    const vm = deriveAll(snapshot, [], NOW)
    const name = (id: string) => vm.events.find((e) => e.id === id)!.agent_name
    expect([name('e2'), name('e10'), name('e11'), name('e7'), name('e1')]).toEqual(['Alpha', 'Proto', 'Ctor', undefined, undefined])
    const html = String(EventLog({ events: vm.events.filter((e) => e.id === 'e2' || e.id === 'e7') }))
    // the column is narrow: the whole name and the id on hover
    expect(html).toContain('<span class="agent" title="Alpha (a)">Alpha</span>')
    expect(html).toContain('<span class="agent">b</span>')
    // made once per name: the next derivation reuses the same views
    expect(deriveAll(snapshot, [], NOW).events.find((e) => e.id === 'e2')).toBe(vm.events.find((e) => e.id === 'e2')!)
  })

  it('shows no cards without question records, even for a blocked agent', () => {
    const { snapshot } = fixtureSnapshot()
    const vm = deriveAll(snapshot, [], NOW)
    expect(vm.blocked).toEqual([])
    expect(vm.progress.blocked).toBe(1)
  })

  it('derives the same model from the same snapshot, reading no clock when given now', () => {
    const { snapshot } = fixtureSnapshot()
    const first = deriveAll(snapshot, questions, NOW)
    expect(deriveAll(snapshot, questions, NOW)).toEqual(first)
  })

  it('derives an empty model from a fresh actor', () => {
    const dashboard = createDashboard()
    actors.push(dashboard)
    expect(deriveAll(dashboard, [], NOW)).toEqual({
      agents: [],
      panel: { shown: [], grouped: false, counts: [], total: 0 },
      blocked: [],
      progress: { total: 0, completed: 0, failed: 0, skipped: 0, blocked: 0, running: 0, answered: 0, idle: 0, waiting: 0, cancelled: 0 },
      graphs: [],
      results: [],
      events: [],
      usage: NO_USAGE,
      now: NOW,
    })
  })
})

describe('filterEvents', () => {
  it('keeps the agent and graph lifecycle by default, newest first as given', () => {
    const { snapshot } = fixtureSnapshot()
    const vm = deriveAll(snapshot, [], NOW)
    expect(DEFAULT_EVENT_CATEGORIES).toEqual(['agent', 'graph'])
    expect(filterEvents(vm.events).map((e) => e.id)).toEqual(['e15', 'e14', 'e13', 'e11', 'e10', 'e9', 'e8', 'e7', 'e6', 'e2', 'e1'])
  })

  it('keeps exactly the categories asked for', () => {
    const { snapshot } = fixtureSnapshot()
    const vm = deriveAll(snapshot, [], NOW)
    expect(filterEvents(vm.events, ['tool', 'model']).map((e) => e.id)).toEqual(['e12', 'e5', 'e4', 'e3'])
    expect(filterEvents(vm.events, ['user']).map((e) => e.id)).toEqual(['e16'])
    expect(filterEvents(vm.events, [])).toEqual([])
  })
})

describe('bounded', () => {
  it('keeps a string of up to MAX_STRING characters and cuts a longer one with a marker', () => {
    expect(MAX_STRING).toBe(1_000)
    expect(bounded('short')).toBe('short')
    expect(bounded('x'.repeat(1_000))).toBe('x'.repeat(1_000))
    expect(bounded('x'.repeat(1_001))).toBe(`${'x'.repeat(1_000)}… [1 more characters]`)
    expect(bounded(LONG)).toBe(BOUNDED_OUTPUT)
  })

  it('passes numbers, booleans, null and undefined through', () => {
    expect(bounded(42)).toBe(42)
    expect(bounded(false)).toBe(false)
    expect(bounded(null)).toBeNull()
    expect(bounded(undefined)).toBeUndefined()
  })

  it('keeps an array of up to MAX_ITEMS items and cuts a longer one with a marker item', () => {
    expect(MAX_ITEMS).toBe(50)
    const fifty = Array.from({ length: 50 }, (_, i) => i)
    expect(bounded(fifty)).toEqual(fifty)
    expect(bounded([...fifty, 50, 51, 52])).toEqual([...fifty, '… [3 more items]'])
  })

  it('bounds the strings inside arrays and objects', () => {
    expect(bounded([LONG, { deep: [LONG] }])).toEqual([BOUNDED_OUTPUT, { deep: [BOUNDED_OUTPUT] }])
  })

  it('keeps an object of up to MAX_KEYS keys and cuts a longer one with a marker key, in key order', () => {
    expect(MAX_KEYS).toBe(50)
    const wide = Object.fromEntries(Array.from({ length: 52 }, (_, i) => [`k${i}`, i]))
    const out = bounded(wide) as Record<string, unknown>
    expect(Object.keys(out)).toEqual([...Array.from({ length: 50 }, (_, i) => `k${i}`), '…'])
    expect(out['k49']).toBe(49)
    expect(out['k50']).toBeUndefined()
    expect(out['…']).toBe('2 more keys')
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]))
    expect(bounded(fifty)).toEqual(fifty)
  })

  it('keeps a __proto__ key as an own key, polluting nothing', () => {
    const input = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"a":1}') as Record<string, unknown>
    const out = bounded(input) as Record<string, unknown>
    expect(Object.keys(out)).toEqual(['__proto__', 'constructor', 'a'])
    expect(Object.hasOwn(out, '__proto__')).toBe(true)
    expect(JSON.stringify(out)).toBe('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"a":1}')
    expect((out as { polluted?: unknown }).polluted).toBeUndefined()
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
  })

  it('copies rather than mutating its input', () => {
    const input = { list: Array.from({ length: 60 }, () => 'x'), text: LONG }
    const out = bounded(input)
    expect(out).not.toBe(input)
    expect(input.list).toHaveLength(60)
    expect(input.text).toBe(LONG)
  })

  it('replaces an object nested deeper than 32 levels with a marker', () => {
    let value: unknown = 'leaf'
    for (let i = 0; i < 40; i++) value = { n: value }
    let out = bounded(value)
    let levels = 0
    while (typeof out === 'object' && out !== null) {
      out = (out as { n: unknown }).n
      levels++
    }
    expect(levels).toBe(33)
    expect(out).toBe('[nested too deep]')
  })
})
