// The agent's state groups, defined once in agent-states.ts, held to what the machine itself says.
import { describe, expect, it } from 'bun:test'
import { agentMachine, ENDED_TAG } from '../src/machines/agent.machine'
import { AGENT_STATES, ENDED_AGENT_STATES, FINAL_AGENT_STATES, isEndedState, isFinalState, isWorkingState, WORKING_AGENT_STATES } from '../src/machines/agent-states'
import { progressOf } from '../src/view-model/derive'

const nodes = Object.values(agentMachine.root.states)

describe('agent states', () => {
  it('names every state of the machine, and no other', () => {
    expect(Object.keys(agentMachine.root.states).sort()).toEqual([...AGENT_STATES].sort())
  })

  it('calls ended exactly the states the finishing events lead to, tagged ended, none of them final', () => {
    const finishing = new Set(['AGENT_COMPLETED', 'AGENT_FAILED', 'AGENT_CANCELLED', 'AGENT_SKIPPED'])
    const targets = new Set(nodes.flatMap((n) => [...n.transitions].filter(([type]) => finishing.has(type)).flatMap(([, ts]) => ts.flatMap((t) => t.target ?? []).map((s) => s.key))))
    expect([...targets].sort()).toEqual([...ENDED_AGENT_STATES].sort())
    expect(nodes.filter((n) => n.tags.includes(ENDED_TAG)).map((n) => n.key).sort()).toEqual([...ENDED_AGENT_STATES].sort())
    expect(nodes.filter((n) => n.type === 'final')).toEqual([])
    expect(AGENT_STATES.filter(isEndedState)).toEqual([...ENDED_AGENT_STATES])
    // The old names stay, meaning "ended".
    expect(FINAL_AGENT_STATES).toEqual(ENDED_AGENT_STATES)
    expect(AGENT_STATES.filter(isFinalState)).toEqual([...ENDED_AGENT_STATES])
  })

  it('calls working exactly the states that take the work (tool and model) events within a turn', () => {
    // The others that take them (ended, waiting) open the next turn with them; work marked late counts in the ended
    // turn (guarded, an exception: it never makes the agent working).
    const inTurn = (n: (typeof nodes)[number], type: string) =>
      (n.transitions.get(type) ?? []).some((t) => !t.actions.includes('openTurn') && !t.guard)
    const takesWork = nodes.filter((n) => inTurn(n, 'TOOL_CALLED') && inTurn(n, 'MODEL_REQUEST')).map((n) => n.key)
    expect(takesWork.sort()).toEqual([...WORKING_AGENT_STATES].sort())
    expect(AGENT_STATES.filter(isWorkingState)).toEqual([...WORKING_AGENT_STATES])
  })

  it('counts every working agent as running in the progress', () => {
    expect(progressOf({ running: 2, resumed: 3, blocked: 1 })).toMatchObject({ running: 5, blocked: 1, total: 6 })
  })
})
