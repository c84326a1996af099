// /agents: every agent the dashboard holds, found by name or id and state, a page at a time (a snapshot, not live).
import type { AgentStateName } from '../machines/agent-states'
import { STATE_LABELS, type AgentView } from '../view-model/derive'
import { AgentBadge } from './agents'
import { SubPage } from './frame'
import type { PageAssets } from './head'
import { routes } from './targets'

export interface AgentsQuery {
  q?: string
  state?: AgentStateName
  page: number
}

export function AgentsPage(props: { agents: readonly AgentView[]; total: number; query: AgentsQuery; size: number; now: number; assets: PageAssets }) {
  const { agents, total, query, size, now, assets } = props
  const link = (page: number) => routes.agents({ q: query.q, state: query.state, page: page ? String(page + 1) : undefined })
  const last = Math.max(0, Math.ceil(total / size) - 1)
  return (
    <SubPage title="Agents" assets={assets}>
          <main class="runs">
            <section class="panel agents">
              <h2>Agents</h2>
              <form method="get" action={routes.agents()} class="history-search" role="search">
                <input name="q" type="search" placeholder="name or id" aria-label="Name or id" value={query.q ?? ''} maxlength="200" />
                <select name="state" aria-label="State">
                  <option value="">any state</option>
                  {Object.entries(STATE_LABELS).map(([state, label]) => (
                    <option value={state} selected={query.state === state} safe>
                      {label}
                    </option>
                  ))}
                </select>
                <button type="submit">Find</button>
              </form>
              <p class="empty-note" safe>
                {total === 0 ? 'No agent matches.' : `${total} agents, ${query.page * size + 1}–${query.page * size + agents.length} shown.`}
              </p>
              <ul class="agent-list">
                {agents.map((agent) => (
                  <AgentBadge agent={agent} now={now} />
                ))}
              </ul>
              <nav class="pages">
                {query.page > 0 ? <a href={link(query.page - 1)}>← Previous</a> : ''}
                {query.page < last ? <a href={link(query.page + 1)}>Next →</a> : ''}
              </nav>
            </section>
          </main>
    </SubPage>
  )
}
