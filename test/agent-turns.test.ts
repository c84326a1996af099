// An agent's turns (issue 23): activity after it ended, or while it waits for its user, opens its next turn;
// counts go on; a note never moves it; a question it went on without says so.
import { describe, expect, it } from 'bun:test'
import { createActor } from 'xstate'
import { agentMachine, type AgentStateName } from '../src/machines/agent.machine'
import { toAgentEvent, type AgentMachineEvent } from '../src/machines/machine-events'
import { makeEvent, validateEvent, type Category } from '../src/protocol/event'

let clock = 1_700_000_000_000
function ev(category: Category, action: string, payload: Record<string, unknown> = {}): AgentMachineEvent {
  clock += 10
  return toAgentEvent(makeEvent(category, action, { agent_id: 'a1', payload, timestamp: clock }))!
}
const start = () => createActor(agentMachine, { input: { agent_id: 'a1', created_at: clock } }).start()
/** An agent that has done one turn: started, one tool call, 30 tokens, completed. */
function afterOneTurn() {
  const a = start()
  a.send(ev('agent', 'started'))
  a.send(ev('tool', 'called', { tool: 'grep' }))
  a.send(ev('model', 'response', { model: 'm', input_tokens: 20, output_tokens: 10 }))
  a.send(ev('agent', 'completed', { summary: 'first answer' }))
  return a
}

describe('agent turns', () => {
  it('counts its first activity as turn 1, and none before', () => {
    const a = start()
    expect(a.getSnapshot().context.turn).toBe(0)
    a.send(ev('agent', 'started'))
    expect(a.getSnapshot().context.turn).toBe(1)
    const b = start()
    b.send(ev('agent', 'blocked', { msg_id: 'm1', question: 'q' }))
    expect([b.getSnapshot().value, b.getSnapshot().context.turn]).toEqual(['blocked', 1])
  })

  it('opens turn 2 when a done agent reports a tool call: running again, counts and tokens going on', () => {
    const a = afterOneTurn()
    expect([a.getSnapshot().value, a.getSnapshot().context.turn]).toEqual(['done', 1])
    const call = ev('tool', 'called', { tool: 'read_file' })
    a.send(call)
    const { value, status, context } = a.getSnapshot()
    expect([value, status]).toEqual(['running', 'active'])
    expect(context).toMatchObject({ turn: 2, tool_calls: 2, current_tool: 'read_file', tokens: 30, entered_at: call.event.timestamp, rejected: [] })
    a.send(ev('model', 'response', { model: 'm', input_tokens: 5, output_tokens: 5 }))
    a.send(ev('agent', 'completed', { summary: 'second answer' }))
    expect(a.getSnapshot().context).toMatchObject({ turn: 2, tokens: 40, tool_calls: 2, result: 'second answer' })
    expect(a.getSnapshot().context.usage).toEqual([{ model: 'm', input: 25, output: 15, total: 40 }])
  })

  it('opens the next turn from every ended state, by a start, a tool or model event, or a question', () => {
    const endings: Array<[string, AgentStateName]> = [['completed', 'done'], ['failed', 'failed'], ['cancelled', 'cancelled'], ['skipped', 'skipped']]
    const openers: Array<[Category, string, AgentStateName]> = [['agent', 'started', 'running'], ['tool', 'started', 'running'], ['model', 'request', 'running'], ['agent', 'blocked', 'blocked']]
    for (const [ending, ended] of endings)
      for (const [category, action, next] of openers) {
        const a = start()
        a.send(ev('agent', 'started'))
        a.send(ev('agent', ending, { error: 'boom' }))
        expect(a.getSnapshot().value).toBe(ended)
        a.send(ev(category, action, { tool: 't', msg_id: 'm9', question: 'again?' }))
        expect([a.getSnapshot().value, a.getSnapshot().context.turn]).toEqual([next, 2])
      }
  })

  it('fails, then starts again as turn 2, keeping the error it failed with until the next failure', () => {
    const a = start()
    a.send(ev('agent', 'started'))
    a.send(ev('agent', 'failed', { error: 'pytest exit 1' }))
    a.send(ev('agent', 'started'))
    expect(a.getSnapshot().value).toBe('running')
    expect(a.getSnapshot().context).toMatchObject({ turn: 2, error: 'pytest exit 1' })
    a.send(ev('agent', 'failed', { error: 'pytest exit 2' }))
    expect(a.getSnapshot().context).toMatchObject({ turn: 2, error: 'pytest exit 2' })
  })

  it('waits for its user between turns, with the reason, and the next activity opens the next turn', () => {
    const a = afterOneTurn()
    const wait = ev('agent', 'waiting', { reason: 'Waiting for the next message' })
    a.send(wait)
    expect(a.getSnapshot().value).toBe('waiting')
    expect(a.getSnapshot().context).toMatchObject({ turn: 1, waiting_reason: 'Waiting for the next message', entered_at: wait.event.timestamp })
    a.send(ev('agent', 'waiting', {}))
    expect(a.getSnapshot().context.waiting_reason).toBeUndefined()
    a.send(ev('model', 'request', { model: 'm' }))
    expect(a.getSnapshot().value).toBe('running')
    expect(a.getSnapshot().context).toMatchObject({ turn: 2, model_calls: 1 })
    expect(a.getSnapshot().context.waiting_reason).toBeUndefined()
  })

  it('waits from running, resumed, idle and the ended states, but not while a question is open', () => {
    const a = start()
    a.send(ev('agent', 'waiting'))
    expect([a.getSnapshot().value, a.getSnapshot().context.turn]).toEqual(['waiting', 0])
    a.send(ev('agent', 'started'))
    expect([a.getSnapshot().value, a.getSnapshot().context.turn]).toEqual(['running', 1])
    a.send(ev('tool', 'called', { tool: 'x' }))
    a.send(ev('agent', 'waiting'))
    // Its call ended with the turn.
    expect([a.getSnapshot().value, a.getSnapshot().context.current_tool]).toEqual(['waiting', null])
    a.send(ev('agent', 'blocked', { msg_id: 'm1', question: 'q' }))
    expect([a.getSnapshot().value, a.getSnapshot().context.turn]).toEqual(['blocked', 2])
    a.send(ev('agent', 'waiting'))
    expect(a.getSnapshot().value).toBe('blocked')
    expect(a.getSnapshot().context.rejected.at(-1)).toMatchObject({ type: 'AGENT_WAITING', state: 'blocked' })
    a.send(ev('agent', 'resumed', { msg_id: 'm1', answer: 'yes' }))
    a.send(ev('agent', 'waiting'))
    expect(a.getSnapshot().value).toBe('waiting')
    a.send(ev('agent', 'completed'))
    expect(a.getSnapshot().value).toBe('done')
  })

  it('takes a note in every state without moving, only touching', () => {
    const a = start()
    const reach: Array<[Category, string, Record<string, unknown>]> = [
      ['agent', 'started', {}],
      ['agent', 'blocked', { msg_id: 'm1', question: 'q' }],
      ['agent', 'resumed', { msg_id: 'm1', answer: 'a' }],
      ['agent', 'waiting', {}],
      ['agent', 'completed', {}],
    ]
    const check = () => {
      const before = a.getSnapshot()
      const note = ev('agent', 'note', { text: 'tried the cache first' })
      a.send(note)
      expect(a.getSnapshot().value).toBe(before.value)
      expect(a.getSnapshot().context).toEqual({ ...before.context, updated_at: note.event.timestamp })
    }
    check()
    for (const [c, act, p] of reach) {
      a.send(ev(c, act, p))
      check()
    }
  })

  it('says a question went unanswered (timed out, withdrawn) until the next question or turn', () => {
    const a = start()
    a.send(ev('agent', 'started'))
    a.send(ev('agent', 'blocked', { msg_id: 'm1', question: 'q' }))
    a.send(ev('agent', 'resumed', { msg_id: 'm1', timed_out: true }))
    expect([a.getSnapshot().value, a.getSnapshot().context.unanswered]).toEqual(['running', 'timed_out'])
    a.send(ev('tool', 'called', { tool: 'x' }))
    expect(a.getSnapshot().context.unanswered).toBe('timed_out')
    a.send(ev('agent', 'blocked', { msg_id: 'm2', question: 'q2' }))
    expect(a.getSnapshot().context.unanswered).toBeNull()
    a.send(ev('agent', 'resumed', { msg_id: 'm2', cancelled: true }))
    expect(a.getSnapshot().context.unanswered).toBe('withdrawn')
    a.send(ev('agent', 'completed'))
    a.send(ev('agent', 'started'))
    expect(a.getSnapshot().context).toMatchObject({ turn: 2, unanswered: null })
    a.send(ev('agent', 'blocked', { msg_id: 'm3', question: 'q3' }))
    a.send(ev('agent', 'resumed', { msg_id: 'm3', answer: 'fine' }))
    expect([a.getSnapshot().value, a.getSnapshot().context.unanswered]).toEqual(['resumed', null])
  })

  it('restamps its time in state when re-asked with a new question, not when the same one is announced again', () => {
    const a = start()
    a.send(ev('agent', 'started'))
    const first = ev('agent', 'blocked', { msg_id: 'm1', question: 'first?' })
    a.send(first)
    a.send(ev('agent', 'blocked', { msg_id: 'm1', question: 'first?' }))
    expect(a.getSnapshot().context.entered_at).toBe(first.event.timestamp)
    const second = ev('agent', 'blocked', { msg_id: 'm2', question: 'second?' })
    a.send(second)
    expect(a.getSnapshot().context).toMatchObject({ awaiting: 'm2', entered_at: second.event.timestamp })
    expect(a.getSnapshot().context.transitions.blocked).toBe(second.event.timestamp)
  })
})

describe('an agent re-created after it left memory', () => {
  const again = (turn: number) => createActor(agentMachine, { input: { agent_id: 'a1', turn } }).start()
  it('goes on from the turn its stored events reached at its first activity', () => {
    const mid = again(3)
    mid.send(ev('tool', 'called', { tool: 't' }))
    expect([mid.getSnapshot().value, mid.getSnapshot().context.turn]).toEqual(['running', 3])
    mid.send(ev('agent', 'completed'))
    mid.send(ev('agent', 'started'))
    expect(mid.getSnapshot().context.turn).toBe(4)
  })

  it('waits (or ends) in that turn when that comes first, and the next activity opens the one after', () => {
    const waiting = again(3)
    waiting.send(ev('agent', 'waiting'))
    expect([waiting.getSnapshot().value, waiting.getSnapshot().context.turn]).toEqual(['waiting', 3])
    waiting.send(ev('model', 'request'))
    expect(waiting.getSnapshot().context.turn).toBe(4)
    const failed = again(2)
    failed.send(ev('agent', 'failed', { error: 'x' }))
    expect(failed.getSnapshot().context.turn).toBe(2)
  })
})

describe('agent:waiting and agent:note on the wire', () => {
  const wire = (action: string, payload: unknown) => validateEvent({ id: 'w', timestamp: clock, category: 'agent', action, agent_id: 'a1', payload })
  it('takes a waiting with or without a reason, and a note with its text', () => {
    expect(wire('waiting', {}).ok).toBe(true)
    expect(wire('waiting', { reason: 'next message' }).ok).toBe(true)
    expect(wire('note', { text: 'x' }).ok).toBe(true)
  })

  it('refuses a note without text, an empty one, and reasons or texts past the limit, naming the field', () => {
    expect(wire('note', {})).toMatchObject({ ok: false, field: 'payload.text' })
    expect(wire('note', { text: '' })).toMatchObject({ ok: false, field: 'payload.text' })
    expect(wire('note', { text: 'x'.repeat(4097) })).toMatchObject({ ok: false, field: 'payload.text' })
    expect(wire('waiting', { reason: 42 })).toMatchObject({ ok: false, field: 'payload.reason' })
    expect(wire('waiting', { reason: 'x'.repeat(4097) })).toMatchObject({ ok: false, field: 'payload.reason' })
  })
})

describe('late work (OTLP spans that arrive after their agent ended)', () => {
  it('counts a tool or model event marked late in the ended turn: done, turn 1, counts and tokens up', () => {
    const a = afterOneTurn()
    a.send(ev('tool', 'called', { tool: 'lookup', late: true }))
    a.send(ev('tool', 'completed', { tool: 'lookup', result: '12', late: true }))
    a.send(ev('model', 'response', { model: 'm', input_tokens: 5, output_tokens: 5, late: true }))
    const { value, context } = a.getSnapshot()
    expect([value, context.turn, context.tool_calls, context.tokens, context.rejected]).toEqual(['done', 1, 2, 40, []])
    // The same work unmarked is a next turn, as before.
    a.send(ev('tool', 'called', { tool: 'grep' }))
    expect([a.getSnapshot().value, a.getSnapshot().context.turn]).toEqual(['running', 2])
  })

  it('fails a completed agent on a late agent:failed, in the same turn; an unmarked one does not apply', () => {
    const a = afterOneTurn()
    a.send(ev('agent', 'failed', { error: 'the graph failed' }))
    expect(a.getSnapshot().value).toBe('done')
    expect(a.getSnapshot().context.rejected.map((r) => r.type)).toEqual(['AGENT_FAILED'])
    a.send(ev('agent', 'failed', { error: 'the graph failed', late: true }))
    expect([a.getSnapshot().value, a.getSnapshot().context.turn, a.getSnapshot().context.error]).toEqual(['failed', 1, 'the graph failed'])
  })

  it('refuses a late that is not true or false at the edge', () => {
    const bad = validateEvent({ id: 'x', timestamp: clock, category: 'tool', action: 'called', agent_id: 'a1', payload: { tool: 't', late: 'yes' } })
    expect(bad.ok ? undefined : [bad.field, bad.reason]).toEqual(['payload.late', 'must be true or false'])
  })
})

describe("an agent's name", () => {
  it('is the latest it reported (a first guess gives way), unless its graph announced one', () => {
    const a = start()
    a.send(ev('agent', 'started', { name: 'billing-service' }))
    a.send(ev('agent', 'started', { name: 'Billing agent' }))
    expect(a.getSnapshot().context.name).toBe('Billing agent')
    a.send(ev('agent', 'started'))
    expect(a.getSnapshot().context.name).toBe('Billing agent')
    const b = createActor(agentMachine, { input: { agent_id: 'a2', name: 'Announced', created_at: clock } }).start()
    b.send(ev('agent', 'started', { name: 'Reported' }))
    expect(b.getSnapshot().context.name).toBe('Announced')
  })
})
