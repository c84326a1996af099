// /runs and /runs/:graph_id: every run from the store, and one run's dashboard, read-only.
import type { RunSummary } from '../protocol/runs'
import { countWords, stateWords } from '../view-model/agent-counts'
import type { GraphView } from '../view-model/derive'
import type { RunView } from '../view-model/run'
import { AgentList } from './agents'
import { clock, duration } from './format'
import { SubPage } from './frame'
import type { PageAssets } from './head'
import { EventLog, Results } from './results'
import { Summary } from './summary'
import { routes } from './targets'

const day = (ms: number) => (Number.isNaN(new Date(ms).getTime()) ? '' : new Date(ms).toISOString().slice(0, 10))

/** What a run's agents are doing, for a run on the dashboard: counted as the header counts them. */
const liveWords = (g: GraphView | undefined) => (g === undefined ? '' : stateWords({ ...g, completed: g.done }))

/**
 * `live`: the runs on this server's dashboard, by graph_id, as the dashboard counts them (the others are only stored);
 * a live run with nothing running says how many questions it is stalled on.
 */
export function RunsPage({ runs, live, assets, now }: { runs: readonly RunSummary[]; live: ReadonlyMap<string, GraphView>; assets: PageAssets; now: number }) {
  return (
    <SubPage title="Runs" assets={assets}>
      <main class="runs">
        <section class="panel">
          <h2>Runs</h2>
          {runs.length === 0 ? (
            <p class="empty-note">No run has been recorded yet: a run is a graph, announced with graph:started.</p>
          ) : (
            <table class="run-table">
              <thead>
                <tr>
                  <th>run</th>
                  <th>status</th>
                  <th>agents</th>
                  <th title="for a run on the dashboard, counted as its header counts them">now</th>
                  <th>questions</th>
                  <th>started</th>
                  <th>duration</th>
                  <th>graph</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((run) => (
                  <tr class={`run-${run.status}`}>
                    <td>
                      <a href={routes.runs(run.graph_id)} safe>
                        {run.graph_id}
                      </a>
                    </td>
                    <td>
                      {run.status}
                      <Stalled n={live.get(run.graph_id)?.stalled ?? 0} graphId={run.graph_id} />
                    </td>
                    <td>{run.agents}</td>
                    <td safe>{liveWords(live.get(run.graph_id))}</td>
                    <td>{run.questions}</td>
                    <td safe>{`${day(run.started_at)} ${clock(run.started_at)}`}</td>
                    <td safe>{duration((run.ended_at ?? now) - run.started_at)}</td>
                    <td>
                      <a href={routes.runGraph(run.graph_id)} aria-label={`graph of run ${run.graph_id}`}>
                        graph
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </main>
    </SubPage>
  )
}

export function RunPage({ graphId, run, assets }: { graphId: string; run: RunView; assets: PageAssets }) {
  const { model, questions } = run
  return (
    <SubPage title={`Run ${graphId}`} assets={assets}>
      <main class="grid run-page">
        <section class="panel questions" aria-labelledby="h-run">
          <h2 id="h-run" safe>{`Run ${graphId}`}</h2>
          <p class="empty-note">
            Read-only, rebuilt from the stored events. <a href={routes.runGraph(graphId)}>See its agents as a graph</a>.
          </p>
          <Summary progress={model.progress} usage={model.usage} graphId={graphId} />
          <p class="run-counts" safe>
            {countWords(model.progress)}
          </p>
          <h2>Questions</h2>
          {questions.length === 0 ? (
            <p class="empty-note">No agent asked anything in this run.</p>
          ) : (
            <ol class="run-questions">
              {questions.map((q) => (
                <li class={`run-question ${q.status}`}>
                  <time safe>{clock(q.asked_at)}</time> <strong safe>{q.agent_id}</strong>: <span safe>{q.question}</span>{' '}
                  <em safe>{q.answer === undefined ? `(${q.status}${q.answered_by ? ` by ${q.answered_by}` : ''})` : `→ ${q.answer}${q.answered_by ? ` (${q.answered_by})` : ''}`}</em>
                </li>
              ))}
            </ol>
          )}
        </section>
        <section class="panel agents" aria-labelledby="h-agents">
          <h2 id="h-agents">Agents</h2>
          {model.panel.grouped ? <p class="empty-note" safe>{`${model.panel.total} agents: those waiting for an answer, working or failed are shown.`}</p> : ''}
          <AgentList agents={model.panel.shown} now={model.now} />
        </section>
        <section class="panel results-panel" aria-labelledby="h-results">
          <h2 id="h-results">Results</h2>
          <Results results={model.results} />
        </section>
        <section class="panel log" aria-labelledby="h-log">
          <h2 id="h-log">Event log</h2>
          <EventLog events={model.events} />
        </section>
      </main>
    </SubPage>
  )
}

/** A run with nothing running and questions pending says so, with a link to them in the queue. */
function Stalled({ n, graphId }: { n: number; graphId: string }) {
  if (n === 0) return ''
  return (
    <>
      {' · '}
      <a class="stalled" href={routes.queue(graphId)} safe>{`stalled on ${n} question${n === 1 ? '' : 's'}`}</a>
    </>
  )
}
