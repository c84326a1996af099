// The lines a badge adds under its state when something is wrong: a failed agent's error, what an idle one waits on.
import type { AgentView } from '../view-model/agent-book'
import { bounded } from '../view-model/bounded'
import { firstLine } from '../view-model/error-groups'
import { routes } from './targets'

export function BadgeNotes({ agent }: { agent: AgentView }) {
  return (
    <>
      {agent.error === undefined ? (
        ''
      ) : (
        // One line on the badge; the title holds the rest (bounded: the page carries up to 300 badges), the agent's page all of it.
        <span class="error" title={String(bounded(agent.error))} safe>
          {firstLine(agent.error)}
        </span>
      )}
      {agent.waiting_on === undefined ? (
        ''
      ) : (
        <span class="waiting-on" title={`Waiting to start: it depends on this agent, which is ${agent.waiting_on.state}`}>
          waiting on{' '}
          <a href={routes.agent(agent.waiting_on.agent_id)} safe>
            {agent.waiting_on.name}
          </a>
        </span>
      )}
    </>
  )
}
