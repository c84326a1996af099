// Results feed and event log: newest first, bounded; a log line opens to show its payload.
import type { EventView, ResultView } from '../view-model/derive'
import { clock } from './format'
import { ids, routes } from './targets'

const resultText = (result: unknown) => (typeof result === 'string' ? result : result === undefined ? '' : JSON.stringify(result))

export function Results({ results }: { results: readonly ResultView[] }) {
  return (
    <ol id={ids.results} class="results" tabindex="0" aria-label="Results, newest first">
      {results.map((r) => (
        <li class={`result ${r.status}`}>
          <time safe>{clock(r.at)}</time>
          <a class="name" href={routes.agent(r.agent_id)} safe>
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

export type LogEntry = EventView

const payloadText = (payload: unknown): string =>
  typeof payload === 'object' && payload !== null && Object.keys(payload).length > 0 ? JSON.stringify(payload, null, 2) : '(no payload)'

export function LogLine({ entry }: { entry: LogEntry }) {
  return (
    <li class={`log-line cat-${entry.category}`}>
      <details>
        <summary>
          <time safe>{clock(entry.timestamp)}</time>
          <span class="kind" safe>
            {`${entry.category}:${entry.action}`}
          </span>
          <span class="agent" title={entry.agent_name === undefined ? undefined : `${entry.agent_name} (${entry.agent_id})`} safe>
            {entry.agent_name ?? entry.agent_id ?? ''}
          </span>
          <span class="text" safe>
            {entry.summary}
          </span>
        </summary>
        {/* Here, not in the summary: a link inside a <summary> is a control nested in a control (axe: nested-interactive). */}
        {entry.agent_id === undefined ? (
          ''
        ) : (
          <a class="agent-link" href={routes.agent(entry.agent_id)} safe>
            {`${entry.agent_name ?? entry.agent_id}: the agent's page`}
          </a>
        )}
        <pre class="payload" safe>
          {payloadText(entry.payload)}
        </pre>
      </details>
    </li>
  )
}

export function EventLog({ events }: { events: readonly LogEntry[] }) {
  return (
    <ol id={ids.eventList} class="event-list" tabindex="0" aria-label="Events, newest first">
      {events.map((entry) => (
        <LogLine entry={entry} />
      ))}
    </ol>
  )
}
