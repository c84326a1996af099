// GET /agents: find any agent of a swarm too large to show whole, by name or id and state, paginated.
import { Elysia, t } from 'elysia'
import type { DashboardView } from '../../view-model/dashboard-view'
import { AGENT_STATES, type AgentStateName } from '../../machines/agent-states'
import { routes } from '../../protocol/routes'
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
      const found = view.agentPage({ q, state, page, size: PAGE_SIZE })
      return html(<AgentsPage agents={found.agents} total={found.total} query={{ q, state, page }} size={PAGE_SIZE} now={found.now} assets={assets} />)
    },
    {
      query: t.Object({
        q: t.Optional(t.String({ maxLength: 200, error: 'must be at most 200 characters' })),
        state: t.Optional(t.Union([t.Literal(''), ...AGENT_STATES.map((s) => t.Literal(s))], { error: `must be one of ${AGENT_STATES.join(', ')}` })),
        page: t.Optional(t.String({ pattern: '^[1-9]\\d{0,6}$', error: 'must be a page number from 1' })),
      }),
    },
  )
}
