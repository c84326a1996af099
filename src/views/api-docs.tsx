// The API reference page: Swagger UI (self-hosted) reading the OpenAPI document generated from the routes.

/** The fingerprinted Swagger UI files and the script that starts it. */
export interface ApiDocsAssets {
  css: string
  bundle: string
  init: string
}

export function ApiDocsPage({ assets, spec }: { assets: ApiDocsAssets; spec: string }) {
  return (
    '<!doctype html>' +
    (
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <link rel="icon" href="data:," />
          <title>Switchboard API</title>
          <link rel="stylesheet" href={assets.css} />
          <script src={assets.bundle} defer></script>
          <script src={assets.init} defer></script>
        </head>
        <body>
          <div id="swagger-ui" data-spec={spec}></div>
        </body>
      </html>
    )
  )
}
