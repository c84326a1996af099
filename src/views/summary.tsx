// The summary bar: progress completed/total and the counts that need attention.
import type { ViewModel } from '../view-model/derive'
import { usageText, usageTitle } from '../view-model/usage'
import { ids } from './targets'

export function Summary({ progress, usage }: Pick<ViewModel, 'progress' | 'usage'>) {
  const finished = progress.completed + progress.failed + progress.skipped + progress.cancelled
  const percent = progress.total === 0 ? 0 : Math.round((finished / progress.total) * 100)
  return (
    <section id={ids.summary} class="summary" aria-label="Progress">
      <div class="progress">
        <div class="progress-text">
          <strong>{progress.completed}</strong>/{progress.total} completed
        </div>
        <div class="bar" role="progressbar" aria-label="Agents finished" aria-valuemin="0" aria-valuemax="100" aria-valuenow={String(percent)}>
          <div class="bar-fill" style={`width:${percent}%`}></div>
        </div>
      </div>
      <ul class="counts">
        <li class="count running">
          <span class="n">{progress.running}</span> running
        </li>
        <li class={`count blocked${progress.blocked > 0 ? ' attention' : ''}`}>
          <span class="n">{progress.blocked}</span> blocked
        </li>
        <li class="count failed">
          <span class="n">{progress.failed}</span> failed
        </li>
        <li class="count skipped">
          <span class="n">{progress.skipped}</span> skipped
        </li>
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
