// The <head> every page shares: meta, empty favicon, the fingerprinted stylesheet, bridge and Datastar client.
import type { Assets } from '../server/assets'

export function Head({ title, assets }: { title: string; assets: Assets }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="color-scheme" content="light dark" />
      <link rel="icon" href="data:," />
      <title safe>{title}</title>
      <link rel="stylesheet" href={assets.css} />
      {/* The bridge first: it must be listening before Datastar parses the first frame. */}
      <script type="module" src={assets.bridge}></script>
      <script type="module" src={assets.datastar}></script>
    </head>
  )
}
