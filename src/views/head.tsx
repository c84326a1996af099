// The <head> every page shares: meta, empty favicon (notify.js draws one), the fingerprinted stylesheet and scripts.
/** The fingerprinted URLs of the page's assets (the server computes them; views only link them). */
export interface PageAssets {
  datastar: string
  bridge: string
  css: string
  /** the title count, favicon badge, alerts and focus keeping of the questions queue */
  notify: string
  /** counts times in state and waiting times up in the page (data-since), so the server need not */
  clock: string
}

export function Head({ title, assets }: { title: string; assets: PageAssets }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <link rel="icon" href="data:," />
      {/* the server's clock when it rendered, which clock.js counts data-since times against */}
      <meta name="server-now" content={String(Date.now())} />
      <title safe>{title}</title>
      <link rel="stylesheet" href={assets.css} />
      {/* The bridge first: it must be listening before Datastar parses the first frame. */}
      <script type="module" src={assets.bridge}></script>
      <script type="module" src={assets.datastar}></script>
      <script type="module" src={assets.notify}></script>
      <script type="module" src={assets.clock}></script>
    </head>
  )
}

/** The name in every page's header. */
export function Brand() {
  return (
    <h1>
      <span class="logo" aria-hidden="true">
        ◉
      </span>{' '}
      Switchboard
    </h1>
  )
}
