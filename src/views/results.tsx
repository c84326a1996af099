// Results feed and event log: newest first, bounded.
import type { ViewModel } from '../machines/derive'
import { ids, routes } from '../server/ids'
import { clock } from './format'

const resultText = (result: unknown) => (typeof result === 'string' ? result : result === undefined ? '' : JSON.stringify(result))

export function Results({ results }: Pick<ViewModel, 'results'>) {
  return (
    <ol id={ids.results} class="results">
      {results.slice(0, 50).map((r) => (
        <li class={`result ${r.status}`}>
          <time safe>{clock(r.at)}</time>
          <a class="name" href={routes.inspect(r.agent_id)} safe>
            {r.agent_name}
          </a>
          <span class="text" safe>
            {resultText(r.result)}
          </span>
        </li>
      ))}
    </ol>
  )
}

export type LogEntry = ViewModel['events'][number]

export function LogLine({ entry }: { entry: LogEntry }) {
  return (
    <li class={`log-line cat-${entry.category}`}>
      <time safe>{clock(entry.timestamp)}</time>
      <span class="kind" safe>
        {`${entry.category}:${entry.action}`}
      </span>
      <span class="agent" safe>
        {entry.agent_id ?? ''}
      </span>
      <span class="text" safe>
        {entry.summary}
      </span>
    </li>
  )
}

export function EventLog({ events }: { events: readonly LogEntry[] }) {
  return (
    <ol id={ids.eventList} class="event-list">
      {events.map((entry) => (
        <LogLine entry={entry} />
      ))}
    </ol>
  )
}
