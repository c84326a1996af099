// Inspector pages: one actor (diagram, sequence, context), the actor index, and the 404 that links back.
import type { ActorRecord } from '../../inspector/inspector'
import { actorTitle, valueText, type InspectView } from '../../inspector/inspect-view'
import type { MachineLayout } from '../../inspector/machine-graph'
import { ids, jsString, routes } from '../targets'
import type { PageAssets } from '../head'
import { duration } from '../format'
import { Head } from '../head'
import { Diagram } from './diagram'
import { ContextView, pageOf, Sequence, Status } from './inspect-parts'
import { leafIds } from '../../inspector/inspect-view'

export type { PageAssets }

function Frame({ title, assets, stream, children }: { title: string; assets: PageAssets; stream?: string; children: JSX.Element }) {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <Head title={`${title} · Switchboard inspector`} assets={assets} />
        <body>
          {/* Outside every patch target: a morph would re-fire data-on-load and open a second stream. */}
          {stream ? <div id={ids.inspectStream} hidden data-on-load={`@get(${jsString(stream)})`}></div> : ''}
          <header class="top">
            <h1>
              <a href={routes.page} class="home">
                <span class="logo" aria-hidden="true">
                  ◉
                </span>{' '}
                Switchboard
              </a>
            </h1>
            <a class="nav" href={routes.inspect()}>
              Inspector
            </a>
            <span class="insp-title" safe>
              {title}
            </span>
          </header>
          {children}
        </body>
      </html>
    </>
  )
}

export function InspectPage({ view, layout, assets, now }: { view: InspectView; layout: MachineLayout; assets: PageAssets; now: number }) {
  const page = pageOf(view.record)
  // A time-travel view is a still: it opens no stream, so nothing moves it off the chosen entry.
  const stream = view.at ? undefined : routes.inspectEvents(page)
  return (
    <Frame title={actorTitle(view.record)} assets={assets} stream={stream}>
      <main class="inspector">
        <section class="panel insp-machine" aria-labelledby="h-machine">
          <h2 id="h-machine">
            Machine <code safe>{layout.machineId}</code>
          </h2>
          <Status view={view} now={now} />
          <Diagram layout={layout} current={new Set(leafIds(layout.machineId, view.value))} last={view.last} />
        </section>
        <section class="panel insp-events" aria-labelledby="h-events">
          <h2 id="h-events">What it received, newest first</h2>
          <Sequence view={view} page={page} />
        </section>
        <section class="panel insp-context" aria-labelledby="h-context">
          <h2 id="h-context">Context</h2>
          <ContextView view={view} />
        </section>
      </main>
    </Frame>
  )
}

/** Every actor with its state, events received and time in state: the index's one patch target. */
export function ActorTable({ actors, now }: { actors: readonly ActorRecord[]; now: number }) {
  return (
    <table id={ids.inspectActors} class="actors">
      <thead>
        <tr>
          <th>actor</th>
          <th>state</th>
          <th>events</th>
          <th>in state</th>
        </tr>
      </thead>
      <tbody>
        {actors.map((record) => (
          <tr>
            <td>
              <a href={pageOf(record)} safe>
                {actorTitle(record)}
              </a>
            </td>
            <td class={`state-${valueText(record.value)}`} safe>
              {valueText(record.value)}
            </td>
            <td class="num">{record.received}</td>
            <td class="num" safe>{duration(now - record.enteredAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function InspectIndex({ actors, assets, now }: { actors: readonly ActorRecord[]; assets: PageAssets; now: number }) {
  return (
    <Frame title="all actors" assets={assets} stream={routes.inspectIndexEvents}>
      <main class="inspector">
        <section class="panel insp-index">
          <h2>Actors</h2>
          <ActorTable actors={actors} now={now} />
        </section>
      </main>
    </Frame>
  )
}

export function InspectNotFound({ what, assets }: { what: string; assets: PageAssets }) {
  return (
    <Frame title="not found" assets={assets}>
      <main class="inspector">
        <section class="panel">
          <h2>Not found</h2>
          <p safe>{what}</p>
          <p>
            <a href={routes.inspect()}>All actors</a> · <a href={routes.page}>Back to the dashboard</a>
          </p>
        </section>
      </main>
    </Frame>
  )
}
