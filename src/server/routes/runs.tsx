// GET /runs and /runs/:graph_id: the runs in the store, and one run's dashboard rebuilt from its events.
import { Elysia, t } from 'elysia'
import type { EventStore } from '../../events/event-store'
import { patterns, routes } from '../../protocol/routes'
import type { PriceTable } from '../../protocol/prices'
import { Id } from '../../protocol/schema'
import { NotFound } from '../../questions/errors'
import type { QuestionService } from '../../questions/question-service'
import { deriveRun } from '../../view-model/run'
import type { PageAssets } from '../../views/head'
import { RunPage, RunsPage } from '../../views/runs'
import { htmlPlugin } from './page'

/** A run's page replays at most this many of its events (the newest are the ones cut). */
const MAX_RUN_EVENTS = 50_000

export function runRoutes(store: EventStore, questions: QuestionService, assets: PageAssets, prices?: PriceTable) {
  return new Elysia()
    .use(htmlPlugin())
    .get(routes.runs(), ({ html }) => html(<RunsPage runs={store.runs()} assets={assets} now={Date.now()} />))
    .get(
      patterns.run,
      ({ params, html }) => {
        const events = store.query({ graph_id: params.graph_id, limit: MAX_RUN_EVENTS }).map((s) => s.event)
        if (!events.length) throw new NotFound(`no run ${params.graph_id} is stored`)
        const run = deriveRun(events, (msgId) => questions.status(msgId), Date.now(), prices)
        return html(<RunPage graphId={params.graph_id} run={run} assets={assets} />)
      },
      { params: t.Object({ graph_id: Id() }) },
    )
}
