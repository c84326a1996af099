// /history: the stored event log searched on the server, newest first, each line opening to its payload.
import type { EventView } from '../view-model/derive'
import { SubPage } from './frame'
import type { PageAssets } from './head'
import { LogLine } from './results'
import { routes } from './targets'

export interface HistoryFilter {
  agent?: string
  kind?: string
  q?: string
}

/** The search form: on the dashboard's log panel and on the history page. */
export function HistorySearch({ filter = {} }: { filter?: HistoryFilter }) {
  return (
    <form method="get" action={routes.history()} class="history-search" role="search">
      <input name="q" type="search" placeholder="Search the stored log…" aria-label="Text" value={filter.q ?? ''} maxlength="200" />
      <input name="agent" placeholder="agent id" aria-label="Agent id" value={filter.agent ?? ''} maxlength="200" />
      <input name="kind" placeholder="agent:failed" aria-label="Category:action" value={filter.kind ?? ''} maxlength="50" />
      <button type="submit">Search</button>
    </form>
  )
}

export function HistoryPage({ entries, filter, older, assets }: { entries: readonly EventView[]; filter: HistoryFilter; older: string | undefined; assets: PageAssets }) {
  return (
    <SubPage title="History" assets={assets}>
          <main class="runs">
            <section class="panel log">
              <h2>Stored event log</h2>
              <HistorySearch filter={filter} />
              {entries.length === 0 ? (
                <p class="empty-note">No stored event matches.</p>
              ) : (
                <ol class="event-list history-list">
                  {entries.map((entry) => (
                    <LogLine entry={entry} />
                  ))}
                </ol>
              )}
              {older !== undefined ? (
                <a class="older" href={older}>
                  Older events →
                </a>
              ) : (
                ''
              )}
            </section>
          </main>
    </SubPage>
  )
}
