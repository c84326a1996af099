// An agent's badge through its turns (issue 23): "turn N" past the first, the question it went on without,
// and waiting for its user in words of its own, all from the facts the agent book derives from the actor.
import { describe, expect, it } from 'bun:test'
import { createActor } from 'xstate'
import { agentMachine } from '../src/machines/agent.machine'
import { toAgentEvent } from '../src/machines/machine-events'
import { makeEvent, type Category } from '../src/protocol/event'
import { AgentBook, viewOf, type AgentView } from '../src/view-model/agent-book'
import { AgentBadge } from '../src/views/agents'

const T0 = 1_764_057_600_000
let n = 0
/** The agent's view after these events, as the dashboard derives it. */
function viewAfter(events: Array<[Category, string, Record<string, unknown>?]>): AgentView {
  const actor = createActor(agentMachine, { input: { agent_id: 'chat', name: 'Chat', created_at: T0 } }).start()
  for (const [category, action, payload] of events) actor.send(toAgentEvent(makeEvent(category, action, { agent_id: 'chat', timestamp: T0 + ++n * 1000, payload: payload ?? {} }))!)
  const book = new AgentBook()
  book.update('chat', actor.getSnapshot())
  return viewOf(book.get('chat')!, T0 + n * 1000, Infinity)
}
const badge = (view: AgentView) => String(AgentBadge({ agent: view, now: T0 }))

describe('an agent badge through turns', () => {
  it('says nothing of turns in the first, and "turn 2" once it works again after it completed', () => {
    const first = viewAfter([['agent', 'started'], ['agent', 'completed']])
    expect(first).toMatchObject({ turn: 1, state: 'done' })
    expect(badge(first)).not.toContain('turn')
    const second = viewAfter([['agent', 'started'], ['agent', 'completed'], ['tool', 'called', { tool: 'search' }]])
    expect(second).toMatchObject({ turn: 2, state: 'running', label: 'Running' })
    expect(badge(second)).toContain('<span class="turn"> · turn 2</span>')
  })

  it('waits for its user in its own words and colour, the reason as the title, escaped', () => {
    const reason = 'Next message from "Ann"><script>alert(1)</script>'
    const waiting = viewAfter([['agent', 'started'], ['agent', 'completed'], ['agent', 'waiting', { reason }]])
    expect(waiting).toMatchObject({ state: 'waiting', label: 'Waiting for its user', waiting_reason: reason })
    const html = badge(waiting)
    expect(html).toContain('class="badge state-waiting"')
    expect(html).toContain('Waiting for its user')
    expect(html).toContain('title="Next message from &#34;Ann&#34;>')
    expect(html).not.toContain('"><script>')
  })

  it('says a working agent went on without an answer, timed out or withdrawn; not once it ended', () => {
    const asked = [['agent', 'started'], ['agent', 'blocked', { msg_id: 'm1', question: 'q' }]] as Array<[Category, string, Record<string, unknown>?]>
    const timedOut = viewAfter([...asked, ['agent', 'resumed', { msg_id: 'm1', timed_out: true }]])
    expect(timedOut).toMatchObject({ state: 'running', unanswered: 'timed_out' })
    expect(badge(timedOut)).toContain('no answer, timed out')
    const withdrawn = viewAfter([...asked, ['agent', 'resumed', { msg_id: 'm1', cancelled: true }]])
    expect(badge(withdrawn)).toContain('no answer, withdrawn')
    const ended = viewAfter([...asked, ['agent', 'resumed', { msg_id: 'm1', timed_out: true }], ['agent', 'completed']])
    expect(badge(ended)).not.toContain('no answer')
  })

  it('gives a failed agent its error in full, and no error once it works again', () => {
    const failed = viewAfter([['agent', 'started'], ['agent', 'failed', { error: `pytest exit 1\n${'x'.repeat(3000)}` }]])
    expect(failed.error).toBe(`pytest exit 1\n${'x'.repeat(3000)}`)
    const again = viewAfter([['agent', 'started'], ['agent', 'failed', { error: 'pytest exit 1' }], ['agent', 'started']])
    expect(again).toMatchObject({ state: 'running', turn: 2 })
    expect(again.error).toBeUndefined()
  })
})
