// GET /: the shell, rendered from the current view model so the first paint is complete.
import { html } from '@elysiajs/html'
import { Elysia, t } from 'elysia'
import { signalsOf } from '../../live/dashboard-stream'
import type { DashboardView } from '../../view-model/dashboard-view'
import { EVENT_LOG_LIMIT, filterEvents } from '../../view-model/derive'
import type { PageAssets } from '../../views/head'
import { Shell } from '../../views/shell'
import { signals as names } from '../../views/targets'
import { parseInclude } from './include'
import { nameOf } from './name'
import { newTabId } from './tab'

/**
 * @elysiajs/html, scoped: only its `html()` helper, with autoDetect off. Its auto-detecting
 * mapResponse hook is global and turned other routes' answers into empty 200s; test/http.test.ts pins
 * that unknown routes still 404 with this plugin mounted.
 */
export const htmlPlugin = () => html({ autoDetect: false, autoDoctype: false, contentType: 'text/html; charset=utf-8' })

/** `?queue=`: the question queue's filter to start with (routes.queue: a stalled run's questions). */
export function pageRoutes(view: DashboardView, assets: PageAssets, options: { signOut: boolean }) {
  return new Elysia().use(htmlPlugin()).get(
    '/',
    ({ query, html, request }) => {
      const include = parseInclude(query.include)
      const model = view.current()
      const log = filterEvents(model.events, include).slice(0, EVENT_LOG_LIMIT)
      const page = { [names.tab]: newTabId(), ...signalsOf(model), [names.responseDraft]: {}, [names.queueFilter]: query.queue ?? '' }
      return html(<Shell model={model} log={log} include={query.include ? include : []} signals={page} assets={assets} now={model.now} signOut={options.signOut} answerer={nameOf(request)} />)
    },
    { query: t.Object({ include: t.Optional(t.String({ maxLength: 100 })), queue: t.Optional(t.String({ maxLength: 200, error: 'must be at most 200 characters' })) }) },
  )
}
