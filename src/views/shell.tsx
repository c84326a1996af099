// The page shell: complete first paint from the current view model, signals seeded, stream started once.
import type { ViewModel } from '../machines/derive'
import { ids, jsString, routes } from '../server/ids'
import type { Assets } from '../server/assets'
import { AgentList } from './agents'
import { Head } from './head'
import { BlockedList } from './cards'
import { EventLog, Results, type LogEntry } from './results'
import { Summary } from './summary'

export interface ShellProps {
  model: ViewModel
  log: readonly LogEntry[]
  include: readonly string[]
  signals: Record<string, unknown>
  assets: Assets
  now: number
}

function LogFilter({ include }: { include: readonly string[] }) {
  const all = include.includes('tool') && include.includes('model')
  return (
    <nav class="filter" aria-label="Event log filter">
      <a href="/" class={all ? '' : 'active'}>
        agents &amp; graphs
      </a>
      <a href="/?include=tool,model" class={all ? 'active' : ''}>
        + tools &amp; models
      </a>
    </nav>
  )
}

export function Shell({ model, log, include, signals, assets, now }: ShellProps) {
  const stream = include.length ? `${routes.events}?include=${include.join(',')}` : routes.events
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="color-scheme" content="light dark" />
          <title>Switchboard</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href={assets.css} />
          <script type="module" src={assets.bridge}></script>
          <script type="module" src={assets.datastar}></script>
        </head>
        <body data-signals={JSON.stringify(signals)}>
          {/* Outside every patch target: a morph would re-fire data-on-load and open a second stream. */}
          <div id={ids.stream} hidden data-on-load={`@get(${jsString(stream)})`}></div>
          <header class="top">
            <h1>
              <span class="logo" aria-hidden="true">
                ◉
              </span>{' '}
              Switchboard
            </h1>
            <a class="nav" href={routes.inspect()}>
              Inspector
            </a>
            <Summary progress={model.progress} />
          </header>
          <main class="grid">
            <section class="panel questions" aria-labelledby="h-questions">
              <h2 id="h-questions">Waiting for you</h2>
              <BlockedList blocked={model.blocked} />
              <p class="empty-note">No agent is waiting for an answer.</p>
            </section>
            <section class="panel agents" aria-labelledby="h-agents">
              <h2 id="h-agents">Agents</h2>
              <AgentList agents={model.agents} now={now} />
            </section>
            <section class="panel results-panel" aria-labelledby="h-results">
              <h2 id="h-results">Results</h2>
              <Results results={model.results} />
            </section>
            <section class="panel log" aria-labelledby="h-log">
              <h2 id="h-log">Event log</h2>
              <LogFilter include={include} />
              <EventLog events={log} />
            </section>
          </main>
        </body>
      </html>
    </>
  )
}
