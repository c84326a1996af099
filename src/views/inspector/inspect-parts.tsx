// The patchable parts of an inspector page: status line, event sequence, context; each a stable patch target.
import type { ActorRecord, LogEntry } from '../../inspector/inspector'
import { contextText, valueText, type InspectView } from '../../inspector/inspect-view'
import { ids, routes } from '../targets'
import { duration } from '../format'

export const pageOf = (record: ActorRecord) => (record.agentId === undefined ? routes.inspectRoot : routes.inspect(record.agentId))
const stamp = (ms: number) => new Date(ms).toISOString().slice(11, 23)

export function Status({ view, now }: { view: InspectView; now: number }) {
  const { record, at } = view
  return (
    <div id={ids.inspectStatus} class="insp-status">
      <span class={`pill state-${valueText(view.value)}`} safe>
        {valueText(view.value)}
      </span>
      {at ? (
        <span class="travel">
          after <strong>#{at.seq}</strong> <code safe>{at.type}</code> at <time safe>{stamp(at.at)}</time> ·{' '}
          <a href={pageOf(record)}>back to live</a>
        </span>
      ) : (
        <span class="live">
          live · {record.received} events received · <span safe>{duration(now - record.enteredAt)}</span> in state ·{' '}
          <span safe>{record.status}</span>
        </span>
      )}
    </div>
  )
}

export function EntryItem({ entry, page, selected }: { entry: LogEntry; page: string; selected: boolean }) {
  const moved = valueText(entry.before) !== valueText(entry.after)
  return (
    <li id={ids.inspectEntry(entry.seq)} class={['entry', selected ? 'selected' : '', moved ? 'moved' : ''].filter(Boolean).join(' ')}>
      <a href={routes.inspectAt(page, entry.seq)} title="Show the machine as it was right after this event">
        <span class="seq">#{entry.seq}</span>
        <time safe>{stamp(entry.at)}</time>
        <code class="ev" safe>
          {entry.type}
        </code>
        <span class="move">
          <span safe>{valueText(entry.before)}</span> → <span safe>{valueText(entry.after)}</span>
        </span>
        <span class="src" safe>
          {[entry.wire, entry.source === undefined ? undefined : `from ${entry.source}`].filter((s) => s !== undefined).join(' · ')}
        </span>
      </a>
    </li>
  )
}

export function Sequence({ view, page }: { view: InspectView; page: string }) {
  return (
    <ol id={ids.inspectSequence} class="sequence">
      {view.entries.map((entry) => (
        <EntryItem entry={entry} page={page} selected={entry.seq === view.at?.seq} />
      ))}
    </ol>
  )
}

export function ContextView({ view }: { view: InspectView }) {
  return (
    <pre id={ids.inspectContext} class="context" tabindex="0" aria-label="Context" safe>
      {contextText(view.context)}
    </pre>
  )
}
