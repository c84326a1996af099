// The page shell: complete first paint from the current view model, signals seeded, stream started once.
import type { ViewModel } from '../view-model/derive'
import { AgentCounts, AgentFilter, AgentList } from './agents'
import { BlockedList, EmptyToast, QueueAnnouncer } from './cards'
import { Brand, Head, type PageAssets } from './head'
import { SignOut } from './sign-in'
import { EventLog, Results, type LogEntry } from './results'
import { HistorySearch } from './history'
import { Summary } from './summary'
import { ids, jsString, routes, signals } from './targets'

export interface ShellProps {
  model: ViewModel
  log: readonly LogEntry[]
  include: readonly string[]
  /** the signals the page starts with: small and bounded (see targets.signals) */
  signals: Record<string, unknown>
  assets: PageAssets
  now: number
  /** a sign-out button, when the server asks for a token */
  signOut?: boolean
  /** the name this browser answers as (its cookie), if set */
  answerer?: string
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

/** Who answers from this browser: stored with each answer, shown in the log and the history. */
function AnswererName({ name }: { name: string | undefined }) {
  return (
    <form method="post" action={routes.name} class="answerer">
      <label for="answerer">Answering as</label>
      <input id="answerer" name="name" type="text" value={name ?? ''} placeholder="your name" maxlength="200" autocomplete="name" />
      <button type="submit">Save</button>
    </form>
  )
}

/** Opt-in sound and desktop notification for questions that arrive later; shown once notify.js runs. */
function QueueAlerts() {
  return (
    <label class="alerts" hidden>
      <input type="checkbox" id={ids.alertsToggle} /> Alert me to new questions (sound and notification)
    </label>
  )
}

export function Shell({ model, log, include, signals: pageSignals, assets, now, signOut, answerer }: ShellProps) {
  const { panel } = model
  const stream = include.length ? `${routes.events}?include=${include.join(',')}` : routes.events
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <Head title={model.blocked.length ? `(${model.blocked.length}) Switchboard` : 'Switchboard'} assets={assets} />
        <body data-signals={JSON.stringify(pageSignals)}>
          {/* Outside every patch target: a morph would re-fire data-on-load and open a second stream. */}
          <div id={ids.stream} hidden data-on-load={`@get(${jsString(stream)})`}></div>
          <header class="top">
            <Brand />
            <nav class="navs">
              <a class="nav" href={routes.runs()}>
                Runs
              </a>
              <a class="nav" href={routes.inspect()}>
                Inspector
              </a>
            </nav>
            <Summary progress={model.progress} usage={model.usage} />
            {signOut && <SignOut />}
          </header>
          <EmptyToast />
          {/* Shown by the bridge while the stream is down; outside every patch target. */}
          <div id={ids.offline} class="offline" role="status" aria-live="assertive" hidden></div>
          <main class="grid">
            <section class="panel questions" aria-labelledby={ids.questionsHeading}>
              <div class="panel-head">
                <h2 id={ids.questionsHeading} tabindex="-1">
                  Waiting for you
                </h2>
                <input
                  type="search"
                  class="queue-filter"
                  placeholder="Filter by run or agent…"
                  aria-label="Filter the questions by run, agent name or id"
                  maxlength="200"
                  data-bind={signals.queueFilter}
                />
              </div>
              <QueueAlerts />
              <QueueAnnouncer />
              <div class="queue" tabindex="0" role="region" aria-label="Questions, oldest first">
                <BlockedList blocked={model.blocked} now={now} />
                <p class="empty-note">No agent is waiting for an answer.</p>
              </div>
              <AnswererName name={answerer} />
            </section>
            <section class="panel agents" aria-labelledby="h-agents">
              <div class="panel-head">
                <h2 id="h-agents">Agents</h2>
                <AgentFilter />
              </div>
              <AgentCounts panel={panel} />
              <AgentList agents={panel.shown} now={now} />
            </section>
            <section class="panel results-panel" aria-labelledby="h-results">
              <h2 id="h-results">Results</h2>
              <Results results={model.results} />
            </section>
            <section class="panel log" aria-labelledby="h-log">
              <h2 id="h-log">Event log</h2>
              <LogFilter include={include} />
              <HistorySearch />
              <EventLog events={log} />
            </section>
          </main>
        </body>
      </html>
    </>
  )
}
