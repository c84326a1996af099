// GET /: the shell, rendered from the current view model so the first paint is complete.
import { Elysia, t } from 'elysia'
import { filterEvents } from '../machines/derive'
import { Shell } from '../views/shell'
import type { Assets } from './assets'
import { type DashboardStream, signalsOf } from './dashboard-stream'
import { parseInclude } from './include'
import { EVENT_LOG_LIMIT } from './ids'

export function pageRoutes(stream: DashboardStream, assets: Assets) {
  return new Elysia().get(
    '/',
    ({ query, set }) => {
      const include = parseInclude(query.include)
      const model = stream.fresh()
      const log = filterEvents(model.events, include).slice(0, EVENT_LOG_LIMIT)
      const signals = { ...signalsOf(model), responseDraft: {} }
      // Plain header instead of @elysiajs/html: its global hooks turned unknown routes into empty 200s.
      set.headers['content-type'] = 'text/html; charset=utf-8'
      return (
        <Shell model={model} log={log} include={query.include ? include : []} signals={signals} assets={assets} now={model.now} />
      )
    },
    { query: t.Object({ include: t.Optional(t.String()) }) },
  )
}
