// The frame of the pages beside the dashboard (runs, history, agents): head, a header home, the content.
import { Brand, Head, type PageAssets } from './head'
import { routes } from './targets'

export function SubPage({ title, assets, children }: { title: string; assets: PageAssets; children: JSX.Element }) {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <Head title={`${title} · Switchboard`} assets={assets} />
        <body>
          <header class="top">
            <a href={routes.page} class="home">
              <Brand />
            </a>
            <a class="nav" href={routes.runs()}>
              Runs
            </a>
            <span></span>
          </header>
          {children}
        </body>
      </html>
    </>
  )
}
