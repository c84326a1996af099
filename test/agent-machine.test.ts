import { describe, expect, it } from 'bun:test'
import { createActor } from 'xstate'
import { createTestModel } from 'xstate/graph'
import { makeEvent, type Category } from '../src/protocol/event'
import { agentMachine, AGENT_STATES, MAX_REJECTED } from '../src/machines/agent.machine'
import { toAgentEvent, toMachineEvent, type AgentMachineEvent } from '../src/machines/machine-events'

let clock = 1_700_000_000_000
function ev(category: Category, action: string, payload: Record<string, unknown> = {}): AgentMachineEvent {
  clock += 10
  return toAgentEvent(makeEvent(category, action, { agent_id: 'a1', payload, timestamp: clock }))!
}

const start = (input: Parameters<typeof createActor<typeof agentMachine>>[1] = { input: { agent_id: 'a1' } }) =>
  createActor(agentMachine, input).start()

describe('toMachineEvent', () => {
  it('maps wire names to SCREAMING_SNAKE and carries the event', () => {
    const e = makeEvent('agent', 'blocked', { agent_id: 'a1', payload: { msg_id: 'm', question: 'q' } })
    expect(toMachineEvent(e)).toEqual({ type: 'AGENT_BLOCKED', event: e })
    expect(toMachineEvent(makeEvent('model', 'response'))?.type).toBe('MODEL_RESPONSE')
  })

  it('gives graph and user events a machine event of their own, but none for an agent actor', () => {
    const graph = makeEvent('graph', 'started', { graph_id: 'g', payload: { agents: [] } })
    expect(toMachineEvent(graph)?.type).toBe('GRAPH_STARTED')
    expect(toMachineEvent(makeEvent('user', 'responded'))?.type).toBe('USER_RESPONDED')
    expect(toAgentEvent(graph)).toBeUndefined()
    expect(toAgentEvent(makeEvent('user', 'responded'))).toBeUndefined()
  })
})

describe('agentMachine', () => {
  it('lives started → tools → blocked → resumed → running → done with context kept', () => {
    const a = start({ input: { agent_id: 'a1', name: 'Docs writer', graph_id: 'g1', depends_on: ['a0'], created_at: 1_000 } })
    expect(a.getSnapshot().value).toBe('idle')
    const started = ev('agent', 'started', { name: 'ignored' })
    a.send(started)
    expect(a.getSnapshot().value).toBe('running')
    a.send(ev('tool', 'called', { tool: 'ruff' }))
    expect(a.getSnapshot().context.current_tool).toBe('ruff')
    a.send(ev('tool', 'completed', { tool: 'ruff' }))
    a.send(ev('model', 'request', { model: 'm' }))
    a.send(ev('model', 'response', { tokens: 42 }))
    const blocked = ev('agent', 'blocked', { msg_id: 'm1', question: 'Which docstring style?', options: ['google', 'numpy'] })
    a.send(blocked)
    expect(a.getSnapshot().value).toBe('blocked')
    // The question itself lives in its record: the actor holds only which one it waits on.
    expect(a.getSnapshot().context.awaiting).toBe('m1')
    a.send(ev('agent', 'resumed', { msg_id: 'm1', answer: 'google' }))
    expect(a.getSnapshot().value).toBe('resumed')
    expect(a.getSnapshot().context.awaiting).toBeNull()
    a.send(ev('tool', 'started', { tool: 'pytest' }))
    expect(a.getSnapshot().value).toBe('running')
    const completed = ev('agent', 'completed', { summary: 'docstrings added' })
    a.send(completed)
    const { value, status, context } = a.getSnapshot()
    expect(value).toBe('done')
    // Ended, not final: a next turn may come.
    expect(status).toBe('active')
    expect(context).toMatchObject({
      turn: 1,
      unanswered: null,
      agent_id: 'a1',
      name: 'Docs writer',
      graph_id: 'g1',
      depends_on: ['a0'],
      result: 'docstrings added',
      tool_calls: 2,
      model_calls: 1,
      tokens: 42,
      current_tool: null,
      last_tool: 'pytest',
      entered_at: completed.event.timestamp,
      updated_at: completed.event.timestamp,
      rejected: [],
    })
    expect(Object.keys(context.transitions).sort()).toEqual(['blocked', 'done', 'idle', 'resumed', 'running'])
    expect(context.transitions.idle).toBe(1_000)
    expect(context.transitions.blocked).toBe(blocked.event.timestamp)
  })

  it('takes its display name from agent:started when none was given', () => {
    const a = start()
    expect(a.getSnapshot().context.name).toBe('a1')
    a.send(ev('agent', 'started', { name: 'Linter' }))
    expect(a.getSnapshot().context.name).toBe('Linter')
  })

  it('records completed while idle as rejected and stays idle', () => {
    const a = start()
    const e = ev('agent', 'completed', { result: 'x' })
    a.send(e)
    expect(a.getSnapshot().value).toBe('idle')
    expect(a.getSnapshot().context.result).toBeUndefined()
    expect(a.getSnapshot().context.rejected).toEqual([{ type: 'AGENT_COMPLETED', state: 'idle', at: e.event.timestamp, reason: 'agent:completed does not apply to an agent that is idle' }])
  })

  it('rejects tool and model events while blocked without counting them', () => {
    const a = start()
    a.send(ev('agent', 'started'))
    a.send(ev('agent', 'blocked', { msg_id: 'm1', question: 'q' }))
    a.send(ev('tool', 'called', { tool: 'x' }))
    a.send(ev('model', 'request'))
    expect(a.getSnapshot().context.tool_calls).toBe(0)
    expect(a.getSnapshot().context.model_calls).toBe(0)
    expect(a.getSnapshot().context.rejected.map((r) => `${r.type}@${r.state}`)).toEqual(['TOOL_CALLED@blocked', 'MODEL_REQUEST@blocked'])
  })

  it('starts its first turn at a tool event before any agent:started (the agent is evidently at work)', () => {
    const a = start()
    a.send(ev('tool', 'called', { tool: 'x' }))
    expect(a.getSnapshot().value).toBe('running')
    expect(a.getSnapshot().context).toMatchObject({ turn: 1, tool_calls: 1, rejected: [] })
  })

  it('bounds the rejected list to the last 20', () => {
    const a = start()
    for (let i = 0; i < 25; i++) a.send(ev('agent', 'resumed', { msg_id: `m${i}` }))
    const rejected = a.getSnapshot().context.rejected
    expect(rejected).toHaveLength(MAX_REJECTED)
    expect(rejected.at(-1)!.at).toBe(clock)
  })

  it('rejects, with the reason, what cannot apply to an ended agent, and stays ended', () => {
    const a = start()
    a.send(ev('agent', 'started'))
    a.send(ev('agent', 'failed', { error: 'boom' }))
    for (const [c, act] of [['agent', 'resumed'], ['agent', 'completed'], ['agent', 'failed']] as Array<[Category, string]>) a.send(ev(c, act, { msg_id: 'm1' }))
    expect(a.getSnapshot().value).toBe('failed')
    expect(a.getSnapshot().context.error).toBe('boom')
    expect(a.getSnapshot().context.rejected.map((r) => r.reason)).toEqual([
      'agent:resumed: the agent is failed, not waiting on a question',
      'agent:completed does not apply to an agent that is failed',
      'agent:failed does not apply to an agent that is failed',
    ])
  })

  it('re-blocks with a new question while blocked', () => {
    const a = start()
    a.send(ev('agent', 'started'))
    a.send(ev('agent', 'blocked', { msg_id: 'm1', question: 'first?' }))
    a.send(ev('agent', 'blocked', { msg_id: 'm2', question: 'second?' }))
    expect(a.getSnapshot().value).toBe('blocked')
    expect(a.getSnapshot().context.awaiting).toBe('m2')
  })

  it('refuses an answer to a question it is no longer asking', () => {
    const a = start()
    a.send(ev('agent', 'started'))
    a.send(ev('agent', 'blocked', { msg_id: 'm2', question: 'q' }))
    a.send(ev('agent', 'resumed', { msg_id: 'm1', answer: 'late' }))
    expect(a.getSnapshot().value).toBe('blocked')
    expect(a.getSnapshot().context.rejected[0]).toMatchObject({ type: 'AGENT_RESUMED', state: 'blocked', reason: 'agent:resumed answers m1, but the agent waits on m2' })
  })

  it('goes back to running, not "Answer received", when its question times out or is withdrawn', () => {
    for (const outcome of [{ timed_out: true }, { cancelled: true }]) {
      const a = start()
      a.send(ev('agent', 'started'))
      a.send(ev('agent', 'blocked', { msg_id: 'm1', question: 'q' }))
      a.send(ev('agent', 'resumed', { msg_id: 'm1', ...outcome }))
      expect(a.getSnapshot().value).toBe('running')
      expect(a.getSnapshot().context.awaiting).toBeNull()
    }
  })

  it('can be cancelled from any state that is not ended', () => {
    for (const prefix of [[], [['agent', 'started']], [['agent', 'started'], ['agent', 'blocked']]] as Array<Array<[Category, string]>>) {
      const a = start()
      for (const [c, act] of prefix) a.send(ev(c, act, { msg_id: 'm', question: 'q' }))
      a.send(ev('agent', 'cancelled'))
      expect(a.getSnapshot().value).toBe('cancelled')
      expect(a.getSnapshot().context.awaiting).toBeNull()
    }
  })

  it('can be skipped before starting and fail before starting', () => {
    const s = start()
    s.send(ev('agent', 'skipped'))
    expect(s.getSnapshot().value).toBe('skipped')
    const f = start()
    f.send(ev('agent', 'failed', { error: 'dependency failed' }))
    expect(f.getSnapshot().value).toBe('failed')
    expect(f.getSnapshot().context.error).toBe('dependency failed')
  })

  it('counts a tool call announced as called then started once', () => {
    const a = start()
    a.send(ev('agent', 'started'))
    a.send(ev('tool', 'called', { tool: 'ruff' }))
    a.send(ev('tool', 'started', { tool: 'ruff' }))
    a.send(ev('tool', 'failed', { tool: 'ruff', error: 'x' }))
    a.send(ev('tool', 'started', { tool: 'mypy' }))
    const { context, value } = a.getSnapshot()
    expect(value).toBe('running')
    expect(context.tool_calls).toBe(2)
    expect(context.current_tool).toBe('mypy')
    expect(context.last_tool).toBe('mypy')
  })
})

describe('agentMachine paths', () => {
  const sample: AgentMachineEvent[] = [
    ev('agent', 'started'),
    ev('agent', 'blocked', { msg_id: 'm1', question: 'q' }),
    ev('agent', 'resumed', { msg_id: 'm1', answer: 'a' }),
    ev('agent', 'completed', { result: 'r' }),
    ev('agent', 'failed', { error: 'e' }),
    ev('agent', 'cancelled'),
    ev('agent', 'skipped'),
    ev('agent', 'waiting'),
    ev('agent', 'note', { text: 'n' }),
    ev('tool', 'called', { tool: 't' }),
  ]
  const model = createTestModel(agentMachine, {
    events: sample,
    input: { agent_id: 'a1' },
    // Context differs on every step (timestamps, counts); state value alone bounds the graph.
    serializeState: (s) => JSON.stringify(s.value),
  })

  it('reaches every state by a shortest path', () => {
    const reached = new Set(model.getShortestPaths({ allowDuplicatePaths: true }).map((p) => p.state.value as string))
    expect([...reached].sort()).toEqual([...AGENT_STATES].sort())
  })

  it('replays each shortest path on a real actor to the same state', () => {
    for (const path of model.getShortestPaths()) {
      const a = createActor(agentMachine, { input: { agent_id: 'a1' } }).start()
      for (const step of path.steps) a.send(step.event)
      expect(a.getSnapshot().value).toEqual(path.state.value)
    }
  })
})
