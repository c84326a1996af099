// A large swarm: the page shows what needs attention one by one and counts the rest, its weight and
// the first snapshot stay bounded, signals stay tiny, and any agent can still be found.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { makeEvent } from '../src/protocol/event'
import { agentPanel, GROUP_CAP, SHOW_ALL_UP_TO } from '../src/view-model/agent-panel'
import { AgentBook } from '../src/view-model/agent-book'
import { NO_USAGE } from '../src/view-model/usage'
import type { AgentView } from '../src/view-model/derive'
import { ids } from '../src/views/targets'
import { readUntil, startTestServer, type TestServer } from './support/server'

const view = (agent_id: string, state: AgentView['state']): AgentView => ({
  agent_id, name: agent_id, state, label: state, current_tool: null, tool_calls: 0, model_calls: 0, entered_at: null, graph_id: undefined, quiet_for: null, usage: NO_USAGE, turn: 1, unanswered: null,
})

/** A book holding these agents, as the stream keeps it. */
function bookOf(agents: readonly AgentView[]) {
  const book = new AgentBook()
  for (const { quiet_for: _q, ...a } of agents) book.put({ ...a, updated_at: null, result: undefined, recent_tools: [], models: [] })
  return book
}

describe('agentPanel', () => {
  it('shows every agent of a small swarm in order of appearance', () => {
    const agents = Array.from({ length: SHOW_ALL_UP_TO }, (_, i) => view(`a${i}`, i % 2 ? 'done' : 'running'))
    const panel = agentPanel(bookOf(agents), 0, Infinity)
    expect(panel.grouped).toBe(false)
    expect(panel.shown.map((a) => a.agent_id)).toEqual(agents.map((a) => a.agent_id))
  })

  it('past that, shows waiting, failed and working agents one by one, in that order (capped), and only counts the rest', () => {
    const agents = [
      ...Array.from({ length: 300 }, (_, i) => view(`done-${i}`, 'done')),
      ...Array.from({ length: 150 }, (_, i) => view(`run-${i}`, i % 10 ? 'running' : 'resumed')),
      ...Array.from({ length: 20 }, (_, i) => view(`fail-${i}`, 'failed')),
      ...Array.from({ length: 3 }, (_, i) => view(`ask-${i}`, 'blocked')),
      ...Array.from({ length: 27 }, (_, i) => view(`idle-${i}`, 'idle')),
    ]
    const panel = agentPanel(bookOf(agents), 0, Infinity)
    expect(panel.grouped).toBe(true)
    expect(panel.shown.length).toBe(3 + GROUP_CAP + 20)
    expect(panel.shown.slice(0, 3).map((a) => a.state)).toEqual(['blocked', 'blocked', 'blocked'])
    // Failures before the working ones: behind 100 running badges a failure was about 3,300 px down.
    expect(panel.shown.slice(3, 23).map((a) => a.state)).toEqual(Array(20).fill('failed'))
    expect(panel.shown.slice(23).map((a) => a.state)).toEqual(Array(GROUP_CAP).fill('running'))
    expect(panel.counts.map((c) => [c.state, c.count, c.hidden])).toEqual([
      ['blocked', 3, 0],
      ['failed', 20, 0],
      // "answer received" is counted as running, as the header counts it
      ['running', 150, 50],
      ['done', 300, 300],
      ['idle', 27, 27],
    ])
  })
})

describe('10,000 agents over HTTP', () => {
  let s: TestServer
  beforeAll(async () => {
    s = await startTestServer()
    const events = []
    for (let i = 0; i < 10_000; i++) {
      events.push(makeEvent('agent', 'started', { agent_id: `agent-${i}`, graph_id: 'big', payload: { name: `Agent number ${i}` } }))
      if (i % 3 === 0) events.push(makeEvent('agent', 'completed', { agent_id: `agent-${i}`, graph_id: 'big', payload: { result: 'ok' } }))
    }
    for (let i = 0; i < events.length; i += 2_000) s.bus.publish.bind(s.bus) && events.slice(i, i + 2_000).forEach((e) => s.bus.publish(e))
    await s.bus.persisted()
    s.stream.flush()
  }, 60_000)
  afterAll(() => s.stop())

  it('keeps GET / and the first snapshot under 300 KB, and the page signals tiny', async () => {
    const page = await (await fetch(s.url)).text()
    expect(page.length).toBeLessThan(300_000)
    const signals = /data-signals="([^"]*)"/.exec(page)![1]!.replaceAll('&#34;', '"')
    expect(signals.length).toBeLessThan(200)
    expect(page).toContain(`id="${ids.agentCounts}"`)
    expect(page.match(/class="badge /g)!.length).toBeLessThanOrEqual(3 * 100)
    const res = await fetch(`${s.url}/events`)
    const first = await readUntil(res, (t) => t.includes('datastar-patch-signals'))
    expect(first.length).toBeLessThan(300_000)
    await res.body?.cancel()
  })

  it('brings only the agents that changed up to date at a flush, and its badge follows', async () => {
    const before = s.stream.renders
    s.bus.publish(makeEvent('tool', 'called', { agent_id: 'agent-2', graph_id: 'big', payload: { tool: 'grep' } }))
    s.bus.publish(makeEvent('agent', 'failed', { agent_id: 'agent-5', graph_id: 'big', payload: { error: 'x' } }))
    await s.bus.persisted()
    s.stream.flush()
    expect(s.stream.renders).toBe(before + 1)
    expect(s.stream.view.touched).toBe(2)
    const snapshot = (await (await fetch(`${s.url}/api/snapshot`)).json()) as { agents: Array<{ agent_id: string; state: string; current_tool: string | null }>; graphs: Array<{ total: number; failed: number }> }
    expect(snapshot.agents).toHaveLength(10_000)
    expect(snapshot.agents.find((a) => a.agent_id === 'agent-2')).toMatchObject({ state: 'running', current_tool: 'grep' })
    expect(snapshot.graphs).toEqual([expect.objectContaining({ total: 10_000, failed: 1 })])
    const page = await (await fetch(s.url)).text()
    expect(page).toContain('<span>Failed</span> <strong>1</strong>')
  })

  it('finds any agent by name or id, and lists a state page by page', async () => {
    const found = await (await fetch(`${s.url}/agents?q=${encodeURIComponent('number 9999')}`)).text()
    expect(found).toContain('Agent number 9999')
    expect(found.match(/class="badge /g)).toHaveLength(1)
    const done = await (await fetch(`${s.url}/agents?state=done&page=2`)).text()
    expect(done).toContain('3334 agents, 201–400 shown.')
    expect(done).toContain(`href="/agents?state=done&page=3"`)
    expect((await fetch(`${s.url}/agents?state=bogus`)).status).toBe(400)
    expect((await fetch(`${s.url}/agents?page=0`)).status).toBe(400)
  })
})
