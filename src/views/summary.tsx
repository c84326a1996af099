// The summary bar: progress completed/total and the counts that need attention, each a link to its agents.
import type { AgentStateName } from '../machines/agent-states'
import type { ViewModel } from '../view-model/derive'
import { runningNote } from '../view-model/agent-counts'
import { stalledOn } from '../view-model/holdups'
import { usageText, usageTitle } from '../view-model/usage'
import { ids, routes } from './targets'

export interface SummaryProps extends Pick<ViewModel, 'progress' | 'usage'> {
  /** a run's summary: its counts link to its agents, its stall to its questions in the queue */
  graphId?: string
}

export function Summary({ progress, usage, graphId }: SummaryProps) {
  const finished = progress.completed + progress.failed + progress.skipped + progress.cancelled
  const percent = progress.total === 0 ? 0 : Math.round((finished / progress.total) * 100)
  const list = (state: AgentStateName) => routes.agents({ state, run: graphId })
  const stalled = stalledOn(progress)
  return (
    <section id={ids.summary} class="summary" aria-label="Progress">
      <div class="progress">
        <div class="progress-text">
          <a href={list('done')}>
            <strong>{progress.completed}</strong>
          </a>
          /<a href={routes.agents({ run: graphId })}>{progress.total}</a> completed
        </div>
        <div class="bar" role="progressbar" aria-label="Agents finished" aria-valuemin="0" aria-valuemax="100" aria-valuenow={String(percent)}>
          <div class="bar-fill" style={`width:${percent}%`}></div>
        </div>
      </div>
      <ul class="counts">
        <Count class="count running" href={list('running')} n={progress.running} what="running" note={runningNote(progress)} />
        <Count class={`count blocked${progress.blocked > 0 ? ' attention' : ''}`} href={list('blocked')} n={progress.blocked} what="blocked" />
        <Count class="count failed" href={list('failed')} n={progress.failed} what="failed" />
        <Count class="count skipped" href={list('skipped')} n={progress.skipped} what="skipped" />
        {stalled > 0 ? (
          <li class="count stalled attention">
            <a href={routes.queue(graphId)} safe>{`stalled on ${stalled} question${stalled === 1 ? '' : 's'}`}</a>
          </li>
        ) : (
          ''
        )}
        {usage.total > 0 ? (
          <li class="count usage" title={usageTitle(usage)} safe>
            {usageText(usage)}
          </li>
        ) : (
          ''
        )}
      </ul>
    </section>
  )
}

/** One count of the header: `what` is one of the fixed words above, never data. */
function Count(props: { class: string; href: string; n: number; what: 'running' | 'blocked' | 'failed' | 'skipped'; note?: string }) {
  return (
    <li class={props.class}>
      <a href={props.href}>
        <span class="n">{props.n}</span> {props.what}
      </a>
      {props.note === undefined ? '' : <small class="note" safe>{` (${props.note})`}</small>}
    </li>
  )
}
