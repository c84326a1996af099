// The patchable parts of an inspector page: status line, event sequence, context; each a stable patch target.
import type { ActorRecord, LogEntry } from '../../inspector/inspector'
import { contextFacts } from '../../inspector/context-facts'
import type { Fact } from '../../inspector/entry-facts'
import { contextText, valueText, type InspectView } from '../../inspector/inspect-view'
import { ids, routes } from '../targets'
import { duration } from '../format'

export const pageOf = (record: ActorRecord) => (record.agentId === undefined ? routes.inspectRoot : routes.inspect(record.agentId))
const stamp = (ms: number) => new Date(ms).toISOString().slice(11, 23)
/** characters of a carried value shown on its line; the rest when expanded */
export const INLINE_CHARS = 120

function Travel({ view }: { view: InspectView }) {
  const at = view.at!
  return (
    <span class="travel">
      after <strong>#{at.seq}</strong> <code safe>{at.type}</code> at <time safe>{stamp(at.at)}</time> ·{' '}
      <a href={pageOf(view.record)}>{view.rebuilt ? 'back to the latest' : 'back to live'}</a>
    </span>
  )
}

function Rebuilt({ view }: { view: InspectView }) {
  const { events, truncated } = view.rebuilt!
  return (
    <span class="rebuilt">
      not in memory: rebuilt from <span safe>{events.toLocaleString('en-US')}</span> stored events
      {truncated ? ' (reading stopped there: what is shown is the agent as of those; later events are not read)' : ''} · goes live if it acts again
    </span>
  )
}

function Live({ view, now }: { view: InspectView; now: number }) {
  const { record } = view
  return (
    <span class="live">
      live · {record.received} events received{record.late ? ' since it acted again (the ones before are stored, not in memory)' : ''} ·{' '}
      <span safe>{duration(now - record.enteredAt)}</span> in state · <span safe>{record.status}</span>
    </span>
  )
}

export function Status({ view, now }: { view: InspectView; now: number }) {
  const { record } = view
  return (
    <div id={ids.inspectStatus} class="insp-status">
      <span class={`pill state-${valueText(view.value)}`} safe>
        {valueText(view.value)}
      </span>
      {view.at ? <Travel view={view} /> : view.rebuilt ? <Rebuilt view={view} /> : <Live view={view} now={now} />}
      {record.agentId === undefined ? '' : <a class="agent-link" href={routes.agent(record.agentId)}>the agent’s page</a>}
    </div>
  )
}

/** One carried value: whole when short; else cut on its line, the kept text when expanded. */
export function FactValue({ fact, agentId }: { fact: Fact; agentId: string | undefined }) {
  const more = fact.cut ? (
    <p class="fact-cut">
      … <span safe>{fact.cut.toLocaleString('en-US')}</span> more characters{agentId === undefined ? '' : <>: the whole on <a href={routes.agent(agentId)}>the agent’s page</a></>}
    </p>
  ) : (
    ''
  )
  if (fact.text.length <= INLINE_CHARS && !fact.cut) return <span class="fact-text" safe>{fact.text}</span>
  return (
    <details class="fact-more">
      {/* No hover copy: it doubled a page of 500 entries with long results (1 MB measured, 600 KB without). */}
      <summary class="fact-text">
        <span safe>{fact.text.slice(0, INLINE_CHARS)}</span>…
      </summary>
      <pre safe>{fact.text}</pre>
      {more}
    </details>
  )
}

function Facts({ facts, agentId }: { facts: readonly Fact[]; agentId: string | undefined }) {
  return (
    <dl class="facts">
      {facts.map((fact) => (
        <div>
          <dt safe>{fact.label}</dt>
          <dd>
            <FactValue fact={fact} agentId={agentId} />
          </dd>
        </div>
      ))}
    </dl>
  )
}

const whatOf = (entry: LogEntry) => entry.facts?.what ?? (entry.type === 'xstate.init' ? 'created' : undefined)

export function EntryItem({ entry, page, selected, agentId }: { entry: LogEntry; page: string; selected: boolean; agentId?: string }) {
  const moved = valueText(entry.before) !== valueText(entry.after)
  const what = whatOf(entry)
  const facts = entry.facts?.facts ?? []
  return (
    <li id={ids.inspectEntry(entry.seq)} class={['entry', selected ? 'selected' : '', moved ? 'moved' : ''].filter(Boolean).join(' ')}>
      <a href={routes.inspectAt(page, entry.seq)} title="Show the agent as it was right after this event">
        <span class="seq">#{entry.seq}</span>
        <time safe>{stamp(entry.at)}</time>
        <span class="what" safe>
          {what ?? entry.type}
        </span>
        <span class="move">
          <span safe>{valueText(entry.before)}</span> → <span safe>{valueText(entry.after)}</span>
        </span>
        <code class="ev" safe>
          {entry.type}
        </code>
        <span class="src" safe>
          {[entry.wire, entry.source === undefined ? undefined : `from ${entry.source}`].filter((s) => s !== undefined).join(' · ')}
        </span>
      </a>
      {facts.length ? <Facts facts={facts} agentId={agentId} /> : ''}
    </li>
  )
}

export function Sequence({ view, page }: { view: InspectView; page: string }) {
  return (
    <ol id={ids.inspectSequence} class="sequence">
      {view.entries.map((entry) => (
        <EntryItem entry={entry} page={page} selected={entry.seq === view.at?.seq} agentId={view.record.agentId} />
      ))}
    </ol>
  )
}

/** An agent's context as labelled facts, the raw JSON behind a disclosure; the root's context as JSON. */
export function ContextView({ view }: { view: InspectView }) {
  const raw = (
    <pre class="context" tabindex="0" aria-label="Context as JSON" safe>
      {contextText(view.context)}
    </pre>
  )
  if (view.record.agentId === undefined) return <div id={ids.inspectContext}>{raw}</div>
  return (
    <div id={ids.inspectContext}>
      <Facts facts={contextFacts(view.value, view.context, view.question)} agentId={view.record.agentId} />
      <details class="raw">
        <summary>The context as JSON</summary>
        {raw}
      </details>
    </div>
  )
}
