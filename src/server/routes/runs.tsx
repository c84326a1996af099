// GET /runs, /runs/:graph_id and /runs/:graph_id/graph: the runs in the store, one run's dashboard rebuilt from its
// events, and its agents drawn as a graph (live over SSE while the run is on this server's dashboard).
import { Elysia, t } from 'elysia'
import type { EventStore } from '../../events/event-store'
import { runLayout } from '../../inspector/run-layout'
import type { RunGraphStream } from '../../live/run-graph-stream'
import type { DashboardHandle } from '../../machines/dashboard'
import type { DashboardView } from '../../view-model/dashboard-view'
import type { PriceTable } from '../../protocol/prices'
import { patterns, routes } from '../../protocol/routes'
import { Id } from '../../protocol/schema'
import { NotFound } from '../../questions/errors'
import type { QuestionService } from '../../questions/question-service'
import { MAX_EVENTS } from '../../machines/dashboard.machine'
import { deriveRun, liveRun, replayRun } from '../../view-model/run'
import { emptyRunGraph, runAgentIds, runGraphOf, shapeOf, type RunGraphModel } from '../../view-model/run-graph'
import type { PageAssets } from '../../views/head'
import { RunGraphPage } from '../../views/run-graph'
import { RunPage, RunsPage } from '../../views/runs'
import { SSE_HEADERS } from './events'
import { htmlPlugin } from './page'

/** A run's page replays at most this many of its events (the newest are the ones cut). */
const MAX_RUN_EVENTS = 50_000

export interface RunServices {
  store: EventStore
  questions: QuestionService
  assets: PageAssets
  /** the live actors: a run still on them is drawn from them, and followed */
  dashboard: Pick<DashboardHandle, 'actor' | 'agents'>
  graphStream: RunGraphStream
  prices?: PriceTable
  /** the live read model: a run on it is counted in the runs list as its header counts it, and said stalled on questions */
  view?: Pick<DashboardView, 'current'>
  /** events a run's page replays at most (default MAX_RUN_EVENTS; tests make it small) */
  maxRunEvents?: number
}

const params = t.Object({ graph_id: Id() })

export function runRoutes({ store, questions, assets, dashboard, graphStream, prices, view, maxRunEvents = MAX_RUN_EVENTS }: RunServices) {
  const storedEvents = (graphId: string) => {
    // With its agents' events that name no graph: the dashboard counts those in the run too.
    const events = store.runEvents(graphId, maxRunEvents).map((s) => s.event)
    if (!events.length) throw new NotFound(`no run ${graphId} is stored`)
    return events
  }
  /**
   * A run the dashboard holds whole is read from its actors, so its page counts what the header counts even past
   * maxRunEvents (a replay cut there showed the agents as they were long ago); else it is rebuilt from the store.
   */
  const runView = (graphId: string) => {
    const statusOf = (msgId: string) => questions.status(msgId)
    const [stored] = store.runs(1, graphId)
    if (!stored) throw new NotFound(`no run ${graphId} is stored`)
    const held = runAgentIds(dashboard, graphId).length
    if (held > 0 && held >= stored.agents) {
      const events = (options: { kinds?: string[]; newest?: boolean }, limit: number) => store.runEvents(graphId, limit, options).map((s) => s.event)
      const asked = events({ kinds: ['agent:blocked'] }, maxRunEvents)
      return liveRun(dashboard, graphId, { asked, log: events({ newest: true }, MAX_EVENTS) }, statusOf, Date.now(), prices, questions.pending())
    }
    return deriveRun(graphId, storedEvents(graphId), statusOf, Date.now(), prices, questions.pending())
  }
  /** The run from the live actors, else rebuilt from the store. */
  const graphOf = (graphId: string): { model: RunGraphModel; live: boolean } => {
    const pending = questions.pending()
    const live = runGraphOf(dashboard, graphId, pending)
    if (live) return { model: live, live: true }
    const replayed = replayRun(storedEvents(graphId))
    const model = runGraphOf(replayed, graphId, pending) ?? emptyRunGraph(graphId)
    replayed.stop()
    return { model, live: false }
  }
  return new Elysia()
    .use(htmlPlugin())
    .get(routes.runs(), ({ html }) => {
      const live = new Map((view?.current().graphs ?? []).map((g) => [g.graph_id, g]))
      return html(<RunsPage runs={store.runs()} live={live} assets={assets} now={Date.now()} />)
    })
    .get(
      patterns.run,
      ({ params, html }) => {
        return html(<RunPage graphId={params.graph_id} run={runView(params.graph_id)} assets={assets} />)
      },
      { params },
    )
    .get(
      patterns.runGraph,
      async ({ params, html }) => {
        const { model, live } = graphOf(params.graph_id)
        const layout = model.tooLarge ? undefined : await runLayout(shapeOf(model))
        return html(<RunGraphPage model={model} layout={layout} live={live && !model.tooLarge} assets={assets} />)
      },
      { params },
    )
    .get(
      patterns.runGraphEvents,
      async ({ params, request, server }) => {
        const model = runGraphOf(dashboard, params.graph_id)
        if (!model) throw new NotFound(`run ${params.graph_id} is not live on this server: its page is rebuilt from the store`)
        if (model.tooLarge) throw new NotFound(`run ${params.graph_id} is too large to draw`)
        const layout = await runLayout(shapeOf(model))
        // Bun's idle timeout would end a quiet stream between heartbeats.
        server?.timeout(request, 0)
        return new Response(graphStream.open(params.graph_id, layout, request.signal), { headers: SSE_HEADERS })
      },
      { params },
    )
}
