// /agents: every agent the dashboard holds, found by name or id, state and run, a page at a time (a snapshot, not
// live); failed agents grouped by their error, each group a link to all of its agents.
import type { AgentStateName } from '../machines/agent-states'
import type { ErrorGroup } from '../view-model/error-groups'
import { STATE_LABELS, type AgentView } from '../view-model/derive'
import { AgentBadge } from './agents'
import { SubPage } from './frame'
import type { PageAssets } from './head'
import { routes } from './targets'

export interface AgentsQuery {
  q?: string
  state?: AgentStateName
  run?: string
  error?: string
  page: number
}

export interface AgentsPageProps {
  agents: readonly AgentView[]
  total: number
  /** failed agents by error (one page of groups), when no error is chosen */
  groups?: readonly ErrorGroup<AgentView>[]
  groupCount?: number
  query: AgentsQuery
  /** agents a page lists; groups a page lists when grouped */
  size: number
  groupSize: number
  now: number
  assets: PageAssets
}

const agentsWord = (n: number) => `${n} agent${n === 1 ? '' : 's'}`
const queryOf = ({ q, state, run, error }: AgentsQuery) => ({ q, state, run, error })

export function AgentsPage(props: AgentsPageProps) {
  const { agents, total, groups, query, size, now, assets } = props
  const link = (page: number) => routes.agents({ ...queryOf(query), page: page ? String(page + 1) : undefined })
  const pages = groups === undefined ? Math.ceil(total / size) : Math.ceil((props.groupCount ?? 0) / props.groupSize)
  const last = Math.max(0, pages - 1)
  return (
    <SubPage title="Agents" assets={assets}>
      <main class="runs">
        <section class="panel agents">
          <h2>Agents</h2>
          <AgentsSearch query={query} />
          {groups === undefined ? <AgentRows {...props} /> : <ErrorGroups groups={groups} groupCount={props.groupCount ?? 0} total={total} query={query} now={now} />}
          <nav class="pages">
            {query.page > 0 ? <a href={link(query.page - 1)}>← Previous</a> : ''}
            {query.page < last ? <a href={link(query.page + 1)}>Next →</a> : ''}
          </nav>
        </section>
      </main>
    </SubPage>
  )
}

function AgentsSearch({ query }: { query: AgentsQuery }) {
  return (
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
      {query.run === undefined ? '' : <input type="hidden" name="run" value={query.run} />}
      <button type="submit">Find</button>
    </form>
  )
}

/** One page of agents; headed by the error when the list is one error's group. */
function AgentRows({ agents, total, query, size, now }: AgentsPageProps) {
  const shown = total === 0 ? 'No agent matches.' : `${agentsWord(total)}, ${query.page * size + 1}–${query.page * size + agents.length} shown.`
  return (
    <>
      {query.error === undefined ? (
        ''
      ) : (
        <h3 class="error-group-head">
          <span safe>{`${agentsWord(total)}: `}</span>
          <code class="error" safe>
            {query.error}
          </code>
        </h3>
      )}
      {query.run === undefined ? '' : <p class="empty-note" safe>{`In run ${query.run}.`}</p>}
      <p class="empty-note" safe>
        {shown}
      </p>
      <ul class="agent-list">
        {agents.map((agent) => (
          <AgentBadge agent={agent} now={now} />
        ))}
      </ul>
    </>
  )
}

function ErrorGroups({ groups, groupCount, total, query, now }: { groups: readonly ErrorGroup<AgentView>[]; groupCount: number; total: number; query: AgentsQuery; now: number }) {
  const all = (error: string) => routes.agents({ ...queryOf(query), error })
  return (
    <>
      <p class="empty-note" safe>
        {total === 0 ? 'No agent matches.' : `${agentsWord(total)} failed, ${groupCount} different error${groupCount === 1 ? '' : 's'}${query.run === undefined ? '' : ` in run ${query.run}`}: the most common first.`}
      </p>
      {groups.map((group) => (
        <section class="error-group">
          <h3 class="error-group-head">
            <a href={all(group.error)}>
              <span safe>{`${agentsWord(group.count)}: `}</span>
              <code class="error" safe>
                {group.error}
              </code>
            </a>
          </h3>
          <ul class="agent-list">
            {group.agents.map((agent) => (
              <AgentBadge agent={agent} now={now} />
            ))}
          </ul>
          {group.count > group.agents.length ? (
            <p class="more">
              <a href={all(group.error)} safe>{`all ${group.count} →`}</a>
            </p>
          ) : (
            ''
          )}
        </section>
      ))}
    </>
  )
}
