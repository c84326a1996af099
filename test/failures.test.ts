// Failures first and what holds a run up, as the read model derives them: the panel's order, failed agents
// grouped by their error, "waiting on" a stuck dependency, a run stalled on its questions.
import { afterEach, describe, expect, it } from 'bun:test'
import { EventBus } from '../src/events/bus'
import { startDashboard } from '../src/machines/dashboard'
import { makeEvent } from '../src/protocol/event'
import { AgentBook, type AgentFacts } from '../src/view-model/agent-book'
import { agentPage, agentPanel, ERROR_GROUP_SHOWN, ERROR_GROUPS_PER_PAGE, type AgentListFilter } from '../src/view-model/agent-panel'
import { DashboardView } from '../src/view-model/dashboard-view'
import { ERROR_LINE_LENGTH, firstLine, groupByError } from '../src/view-model/error-groups'
import { stalledOn, waitingOn } from '../src/view-model/holdups'
import { NO_USAGE } from '../src/view-model/usage'

const NOW = 1_700_000_000_000

const facts = (agent_id: string, state: AgentFacts['state'], over: Partial<AgentFacts> = {}): AgentFacts => ({
  agent_id, name: agent_id, state, label: state, current_tool: null, tool_calls: 0, model_calls: 0, entered_at: null, graph_id: 'g', usage: NO_USAGE, turn: 1, unanswered: null,
  updated_at: null, result: undefined, recent_tools: [], models: [], ...over,
})

function bookOf(agents: readonly AgentFacts[]) {
  const book = new AgentBook()
  for (const a of agents) book.put(a)
  return book
}

const page = (book: AgentBook, filter: AgentListFilter & { page?: number; size?: number }) =>
  agentPage(book, { page: 0, size: 200, now: NOW, quietMs: Infinity, ...filter })

describe('the panel of a large swarm', () => {
  it('lists the failed agents right after the waiting ones, before 300 running', () => {
    const agents = [
      ...Array.from({ length: 300 }, (_, i) => facts(`run-${i}`, 'running')),
      facts('broke', 'failed', { error: 'pytest exit 1\nE   assert 1 == 2' }),
      facts('asks', 'blocked'),
      facts('chat', 'waiting'),
    ]
    const panel = agentPanel(bookOf(agents), NOW, Infinity)
    expect(panel.shown.slice(0, 2).map((a) => [a.agent_id, a.error])).toEqual([
      ['asks', undefined],
      ['broke', 'pytest exit 1\nE   assert 1 == 2'],
    ])
    // between turns, waiting for its own user: counted, not shown one by one
    expect(panel.counts.map((c) => [c.state, c.hidden])).toEqual([['blocked', 0], ['failed', 0], ['running', 200], ['waiting', 1]])
  })
})

describe('firstLine', () => {
  it("is an error's first line that is not blank, trimmed", () => {
    expect(firstLine('\n  \r\n  pytest exit 1  \r\nTraceback')).toBe('pytest exit 1')
    expect(firstLine('a\rb')).toBe('a')
    expect(firstLine('')).toBe('unknown error')
  })

  it('cuts a long line with "…", never between the halves of a surrogate pair', () => {
    expect(firstLine('x'.repeat(500))).toBe(`${'x'.repeat(ERROR_LINE_LENGTH)}…`)
    const emoji = `${'x'.repeat(ERROR_LINE_LENGTH - 1)}😀tail`
    expect(firstLine(emoji)).toBe(`${'x'.repeat(ERROR_LINE_LENGTH - 1)}…`)
    expect(firstLine(emoji).isWellFormed()).toBe(true)
  })
})

describe('groupByError', () => {
  it('groups failed agents by the first line of their error, the largest group first, each keeping its first few', () => {
    const agents = [
      facts('a', 'failed', { error: 'timeout' }),
      ...Array.from({ length: 12 }, (_, i) => facts(`p${i}`, 'failed', { error: `pytest exit 1\nfailed test_${i}` })),
      facts('b', 'failed', { error: 'OOM' }),
      facts('c', 'done'),
      facts('d', 'failed', { error: 'timeout\nafter 30s' }),
    ]
    const groups = groupByError(agents, 3)
    expect(groups.map((g) => [g.error, g.count, g.agents.map((a) => a.agent_id)])).toEqual([
      ['pytest exit 1', 12, ['p0', 'p1', 'p2']],
      ['timeout', 2, ['a', 'd']],
      ['OOM', 1, ['b']],
    ])
  })
})

describe('agentPage', () => {
  const book = bookOf([
    ...Array.from({ length: 12 }, (_, i) => facts(`p${i}`, 'failed', { error: 'pytest exit 1\ndetails' })),
    facts('t1', 'failed', { error: 'timeout', graph_id: 'other' }),
    facts('r1', 'running'),
  ])

  it('answers ?state=failed with the groups by error and a count per message, no flat list', () => {
    const found = page(book, { state: 'failed' })
    expect(found.total).toBe(13)
    expect(found.agents).toEqual([])
    expect(found.groupCount).toBe(2)
    expect(found.groups!.map((g) => [g.error, g.count, g.agents.length])).toEqual([
      ['pytest exit 1', 12, ERROR_GROUP_SHOWN],
      ['timeout', 1, 1],
    ])
    expect(found.groups![0]!.agents[0]).toMatchObject({ agent_id: 'p0', error: 'pytest exit 1\ndetails' })
  })

  it("lists one error's agents in full, by the first line the groups show", () => {
    const found = page(book, { state: 'failed', error: 'pytest exit 1', size: 5, page: 2 })
    expect(found.total).toBe(12)
    expect(found.groups).toBeUndefined()
    expect(found.agents.map((a) => a.agent_id)).toEqual(['p10', 'p11'])
  })

  it("keeps to a run's agents when asked", () => {
    expect(page(book, { state: 'failed', run: 'other' }).groups!.map((g) => [g.error, g.count])).toEqual([['timeout', 1]])
    expect(page(book, { run: 'g' }).total).toBe(13)
  })

  it('pages the groups when there are more than a page of them', () => {
    const many = bookOf(Array.from({ length: ERROR_GROUPS_PER_PAGE + 3 }, (_, i) => facts(`f${i}`, 'failed', { error: `error ${i}` })))
    expect(page(many, { state: 'failed' }).groups).toHaveLength(ERROR_GROUPS_PER_PAGE)
    expect(page(many, { state: 'failed', page: 1 }).groups!.map((g) => g.error)).toEqual(['error 50', 'error 51', 'error 52'])
  })
})

describe('waitingOn', () => {
  it('names a blocked dependency first, else a failed one, and nothing while its dependencies can go on', () => {
    const book = bookOf([facts('lint', 'failed', { name: 'Lint', error: 'x' }), facts('ask', 'blocked', { name: 'Ask' }), facts('ok', 'done')])
    expect(waitingOn(facts('w', 'idle', { depends_on: ['ok', 'lint', 'ask'] }), book)).toEqual({ agent_id: 'ask', name: 'Ask', state: 'blocked' })
    expect(waitingOn(facts('w', 'idle', { depends_on: ['ok', 'lint'] }), book)).toEqual({ agent_id: 'lint', name: 'Lint', state: 'failed' })
    expect(waitingOn(facts('w', 'idle', { depends_on: ['ok', 'missing'] }), book)).toBeUndefined()
    expect(waitingOn(facts('w', 'running', { depends_on: ['lint'] }), book)).toBeUndefined()
  })

  it("reads no dependency while the agent's graph has nothing blocked or failed", () => {
    const book = bookOf([facts('ok', 'done'), facts('elsewhere', 'failed', { graph_id: 'other', error: 'x' })])
    let lookups = 0
    const counting = { get: (id: string) => (lookups++, book.get(id)), graph: (g: string) => book.graph(g), stateCounts: () => book.stateCounts() }
    expect(waitingOn(facts('w', 'idle', { depends_on: Array.from({ length: 1000 }, (_, i) => `d${i}`) }), counting)).toBeUndefined()
    expect(lookups).toBe(0)
  })
})

describe('stalledOn', () => {
  it('is the pending questions when nothing works, else 0', () => {
    expect(stalledOn({ running: 0, blocked: 2 })).toBe(2)
    expect(stalledOn({ running: 1, blocked: 2 })).toBe(0)
    expect(stalledOn({ running: 0, blocked: 0 })).toBe(0)
  })
})

describe('a run held up, on real actors', () => {
  let stops: Array<() => void> = []
  afterEach(() => {
    for (const stop of stops) stop()
    stops = []
  })

  it('says an idle agent waits on its failed dependency, and the run is stalled on its questions once nothing runs', () => {
    const bus = new EventBus()
    const dashboard = startDashboard(bus)
    const view = new DashboardView(dashboard, { pending: () => [], onChange: () => () => {} }, { now: () => NOW, tickMs: 3_600_000 })
    stops.push(() => view.close(), dashboard.stop)
    const say = (action: string, agent_id: string, payload: Record<string, unknown> = {}) => bus.publish(makeEvent('agent', action, { agent_id, graph_id: 'r1', payload }))
    bus.publish(
      makeEvent('graph', 'started', {
        graph_id: 'r1',
        payload: { agents: [{ agent_id: 'scan', name: 'Scan' }, { agent_id: 'ask', name: 'Ask' }, { agent_id: 'fix', name: 'Fix', depends_on: ['scan'] }, { agent_id: 'docs', name: 'Docs', depends_on: ['ask'] }] },
      }),
    )
    say('started', 'scan')
    say('started', 'ask')
    const badge = (id: string) => view.current().panel.shown.find((a) => a.agent_id === id)!
    expect(badge('fix').waiting_on).toBeUndefined()
    expect(view.current().graphs[0]!.stalled).toBe(0)
    say('failed', 'scan', { error: 'index: permission denied\n  at walk()' })
    expect(badge('fix').waiting_on).toEqual({ agent_id: 'scan', name: 'Scan', state: 'failed' })
    expect(badge('scan').error).toBe('index: permission denied\n  at walk()')
    expect(view.current().graphs[0]!.stalled).toBe(0)
    say('blocked', 'ask', { msg_id: 'q1', question: 'Which branch?' })
    expect(badge('docs').waiting_on).toEqual({ agent_id: 'ask', name: 'Ask', state: 'blocked' })
    expect(view.current().graphs[0]!.stalled).toBe(1)
    expect(view.agentPage({ state: 'idle', page: 0, size: 10 }).agents.map((a) => [a.agent_id, a.waiting_on?.agent_id])).toEqual([
      ['fix', 'scan'],
      ['docs', 'ask'],
    ])
    say('resumed', 'ask', { msg_id: 'q1', answer: 'main' })
    expect(view.current().graphs[0]!.stalled).toBe(0)
    expect(badge('docs').waiting_on).toBeUndefined()
  })
})
