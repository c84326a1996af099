// GET /agents: find any agent of a swarm too large to show whole, by name or id, state and run, paginated;
// failed agents grouped by their error (`?state=failed`), or one error's agents (`&error=`).
import { Elysia, t } from 'elysia'
import type { DashboardView } from '../../view-model/dashboard-view'
import { AGENT_STATES, type AgentStateName } from '../../machines/agent-states'
import { routes } from '../../protocol/routes'
import { ERROR_GROUPS_PER_PAGE } from '../../view-model/agent-panel'
import { ERROR_LINE_LENGTH } from '../../view-model/error-groups'
import { AgentsPage } from '../../views/agents-page'
import type { PageAssets } from '../../views/head'
import { htmlPlugin } from './page'

const PAGE_SIZE = 200

export function agentRoutes(view: DashboardView, assets: PageAssets) {
  return new Elysia().use(htmlPlugin()).get(
    routes.agents(),
    ({ query, html }) => {
      const state = query.state ? (query.state as AgentStateName) : undefined
      const page = query.page ? Number(query.page) - 1 : 0
      const q = query.q || undefined
      const { run, error } = query
      const found = view.agentPage({ q, state, run, error, page, size: PAGE_SIZE })
      return html(
        <AgentsPage
          agents={found.agents}
          total={found.total}
          groups={found.groups}
          groupCount={found.groupCount}
          query={{ q, state, run, error, page }}
          size={PAGE_SIZE}
          groupSize={ERROR_GROUPS_PER_PAGE}
          now={found.now}
          assets={assets}
        />,
      )
    },
    {
      query: t.Object({
        q: t.Optional(t.String({ maxLength: 200, error: 'must be at most 200 characters' })),
        state: t.Optional(t.Union([t.Literal(''), ...AGENT_STATES.map((s) => t.Literal(s))], { error: `must be one of ${AGENT_STATES.join(', ')}` })),
        run: t.Optional(t.String({ minLength: 1, maxLength: 200, error: 'must be a run (graph) id of 1 to 200 characters' })),
        // an error's first line as the groups show it: cut at ERROR_LINE_LENGTH, plus its "…"
        error: t.Optional(t.String({ minLength: 1, maxLength: ERROR_LINE_LENGTH + 1, error: `must be an error's first line, 1 to ${ERROR_LINE_LENGTH + 1} characters` })),
        page: t.Optional(t.String({ pattern: '^[1-9]\\d{0,6}$', error: 'must be a page number from 1' })),
      }),
    },
  )
}
