// The agent's state groups, defined once in agent-states.ts, held to what the machine itself says.
import { describe, expect, it } from 'bun:test'
import { agentMachine } from '../src/machines/agent.machine'
import { AGENT_STATES, FINAL_AGENT_STATES, isFinalState, isWorkingState, WORKING_AGENT_STATES } from '../src/machines/agent-states'
import { progressOf } from '../src/view-model/derive'

const nodes = Object.values(agentMachine.root.states)

describe('agent states', () => {
  it('names every state of the machine, and no other', () => {
    expect(Object.keys(agentMachine.root.states).sort()).toEqual([...AGENT_STATES].sort())
  })

  it('calls final exactly the machine\'s final states', () => {
    expect(nodes.filter((n) => n.type === 'final').map((n) => n.key).sort()).toEqual([...FINAL_AGENT_STATES].sort())
    expect(AGENT_STATES.filter(isFinalState)).toEqual([...FINAL_AGENT_STATES])
  })

  it('calls working exactly the states that take the work (tool and model) events', () => {
    const takesWork = nodes.filter((n) => n.events.includes('TOOL_CALLED') && n.events.includes('MODEL_REQUEST')).map((n) => n.key)
    expect(takesWork.sort()).toEqual([...WORKING_AGENT_STATES].sort())
    expect(AGENT_STATES.filter(isWorkingState)).toEqual([...WORKING_AGENT_STATES])
  })

  it('counts every working agent as running in the progress', () => {
    expect(progressOf({ running: 2, resumed: 3, blocked: 1 })).toMatchObject({ running: 5, blocked: 1, total: 6 })
  })
})
