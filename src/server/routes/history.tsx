// GET /history: the stored event log for people, searched on the server (agent, category:action, text), paged.
import { Elysia, t } from 'elysia'
import type { EventStore } from '../../events/event-store'
import { routes } from '../../protocol/routes'
import { toEventView } from '../../view-model/derive'
import type { PageAssets } from '../../views/head'
import { HistoryPage } from '../../views/history'
import { htmlPlugin } from './page'

const PAGE = 100

const optional = (max: number) => t.Optional(t.String({ maxLength: max, error: `must be at most ${max} characters` }))

export function historyRoutes(store: EventStore, assets: PageAssets) {
  return new Elysia().use(htmlPlugin()).get(
    routes.history(),
    ({ query, html }) => {
      // Empty form fields arrive as empty strings: they filter nothing.
      const filter = { agent: query.agent || undefined, kind: query.kind || undefined, q: query.q || undefined }
      const before = query.before ? Number(query.before) : undefined
      const page = store.query({ agent_id: filter.agent, kind: filter.kind, text: filter.q, before, limit: PAGE, order: 'desc' })
      const older = page.length === PAGE ? routes.history({ ...filter, before: String(page.at(-1)!.seq) }) : undefined
      return html(<HistoryPage entries={page.map((s) => toEventView(s.event))} filter={filter} older={older} assets={assets} />)
    },
    { query: t.Object({ agent: optional(200), kind: optional(50), q: optional(200), before: t.Optional(t.String({ pattern: '^\\d{1,15}$', error: 'must be a seq' })) }) },
  )
}
