// The dashboard's read model on a real bus and real actors, with no stream: what routes read.
import { afterEach, describe, expect, it } from 'bun:test'
import { EventBus } from '../src/events/bus'
import { startDashboard } from '../src/machines/dashboard'
import { makeEvent } from '../src/protocol/event'
import type { PendingQuestion } from '../src/questions/question-record'
import { DashboardView, type QuestionSource } from '../src/view-model/dashboard-view'

const NOW = 1_700_000_000_000

/** The question records as the view sees them: a list and a change signal (the service's shape). */
function questionList(): QuestionSource & { ask(q: PendingQuestion): void } {
  const pending: PendingQuestion[] = []
  const listeners = new Set<() => void>()
  return {
    pending: () => [...pending],
    onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    ask(q) {
      pending.push(q)
      for (const listener of listeners) listener()
    },
  }
}

let stops: Array<() => void> = []
afterEach(() => {
  for (const stop of stops) stop()
  stops = []
})

function setup() {
  const bus = new EventBus()
  const dashboard = startDashboard(bus)
  const questions = questionList()
  const view = new DashboardView(dashboard, questions, { now: () => NOW, tickMs: 3_600_000 })
  stops.push(() => view.close(), dashboard.stop)
  return { bus, questions, view }
}

describe('DashboardView', () => {
  it('answers what the agents are now without any stream or client', () => {
    const { bus, view } = setup()
    bus.publish(makeEvent('agent', 'started', { agent_id: 'a1', graph_id: 'g', payload: { name: 'Docs' } }))
    bus.publish(makeEvent('agent', 'failed', { agent_id: 'a2', graph_id: 'g', payload: { error: 'boom' } }))
    expect(view.agents().map((a) => [a.agent_id, a.state, a.name])).toEqual([
      ['a1', 'running', 'Docs'],
      ['a2', 'failed', 'a2'],
    ])
    expect(view.current().graphs).toEqual([expect.objectContaining({ graph_id: 'g', total: 2, running: 1, failed: 1 })])
    expect(view.agentPage({ state: 'running', page: 0, size: 10 })).toMatchObject({ total: 1, agents: [{ agent_id: 'a1' }], now: NOW })
    expect(view.agentPage({ state: 'failed', page: 0, size: 10 })).toMatchObject({ total: 1, groups: [{ error: 'boom', count: 1, agents: [{ agent_id: 'a2', error: 'boom' }] }], now: NOW })
  })

  it('derives again only after a change, bringing only the changed agents up to date', () => {
    const { bus, view } = setup()
    for (const id of ['a', 'b', 'c']) bus.publish(makeEvent('agent', 'started', { agent_id: id }))
    const first = view.current()
    expect(view.current()).toBe(first)
    bus.publish(makeEvent('tool', 'called', { agent_id: 'b', payload: { tool: 'grep' } }))
    const second = view.current()
    expect(second).not.toBe(first)
    expect(view.touched).toBe(1)
    expect(second.panel.shown.find((a) => a.agent_id === 'b')?.current_tool).toBe('grep')
  })

  it('tells its listeners when it went stale (an agent, a question), until they leave', () => {
    const { bus, questions, view } = setup()
    let told = 0
    const leave = view.onChange(() => told++)
    bus.publish(makeEvent('agent', 'started', { agent_id: 'asker' }))
    const byAgent = told
    expect(byAgent).toBeGreaterThan(0)
    questions.ask({ msg_id: 'm1', agent_id: 'asker', question: 'Ship?', options: [], kind: 'text', status: 'pending', created_at: NOW })
    expect(told).toBe(byAgent + 1)
    expect(view.current().blocked.map((c) => [c.msg_id, c.question])).toEqual([['m1', 'Ship?']])
    leave()
    bus.publish(makeEvent('agent', 'completed', { agent_id: 'asker' }))
    expect(told).toBe(byAgent + 1)
  })
})
