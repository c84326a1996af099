// The agent status list: one badge per agent, each a patch target of its own.
import type { AgentPanel } from '../view-model/agent-panel'
import type { AgentView } from '../view-model/derive'
import { ids, routes } from './targets'
import { isFinalState, isWorkingState } from '../machines/agent-states'
import { usageText, usageTitle } from '../view-model/usage'
import { BadgeNotes } from './badge-notes'

/** A badge's words for a question its agent went on without. */
const UNANSWERED = { timed_out: 'no answer, timed out', withdrawn: 'no answer, withdrawn' } as const

export function AgentBadge({ agent, now }: { agent: AgentView; now: number }) {
  const final = isFinalState(agent.state)
  return (
    <li id={ids.agent(agent.agent_id)} class={`badge state-${agent.state}${agent.quiet_for === null ? '' : ' quiet'}`}>
      <a class="name" href={routes.agent(agent.agent_id)} title="Open the agent's page" safe>
        {agent.name}
      </a>
      <span class="state" title={agent.waiting_reason}>
        <span safe>{agent.label}</span>
        {agent.turn > 1 ? <span class="turn" safe>{` · turn ${agent.turn}`}</span> : ''}
        {agent.unanswered !== null && isWorkingState(agent.state) ? <span class="unanswered" safe>{` · ${UNANSWERED[agent.unanswered]}`}</span> : ''}
        {agent.quiet_for === null ? '' : <span class="quiet-for" data-since={String(now - agent.quiet_for)} data-prefix=" · quiet "></span>}
      </span>
      <span class="tool" safe>
        {agent.current_tool ?? ''}
      </span>
      {agent.usage.total > 0 ? (
        <span class="usage" title={usageTitle(agent.usage)} safe>
          {usageText(agent.usage)}
        </span>
      ) : (
        ''
      )}
      <BadgeNotes agent={agent} />
      {/* counted up in the page by clock.js: a badge changes when its agent does, not every second */}
      {final || agent.state === 'idle' || agent.entered_at === null ? <span class="since"></span> : <span class="since" data-since={String(agent.entered_at)}></span>}
    </li>
  )
}

export function AgentList({ agents, now }: { agents: readonly AgentView[]; now: number }) {
  return (
    <ul id={ids.agentList} class="agent-list">
      {agents.map((agent) => (
        <AgentBadge agent={agent} now={now} />
      ))}
    </ul>
  )
}

/** The counts beside the badges: how many agents are in each state, and a link to those not shown. */
export function AgentCounts({ panel }: { panel: AgentPanel }) {
  return (
    <p id={ids.agentCounts} class="agent-counts" hidden={!panel.grouped}>
      {panel.grouped
        ? panel.counts.map((c) => (
            <a class={`count-link count-${c.state}`} href={routes.agents({ state: c.state })}>
              <span safe>{c.label}</span> <strong>{c.count}</strong>
              {c.note === undefined ? '' : <small safe>{` (${c.note})`}</small>}
              {c.hidden > 0 && c.hidden < c.count ? <small safe>{` (${c.count - c.hidden} shown)`}</small> : ''}
            </a>
          ))
        : ''}
    </p>
  )
}

/** Find an agent by name or id: outside every patch target, so typing is never morphed away. */
export function AgentFilter() {
  return (
    <form method="get" action={routes.agents()} class="agent-filter" role="search">
      <input name="q" type="search" placeholder="Find an agent…" aria-label="Find an agent by name or id" maxlength="200" />
    </form>
  )
}
