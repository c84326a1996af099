// GET /openapi (Swagger UI) and /openapi/json: the API described from the routes' own TypeBox schemas by @elysiajs/openapi.
import { openapi } from '@elysiajs/openapi'
import { Elysia } from 'elysia'
import { routes } from '../../protocol/routes'
import { ApiDocsPage, type ApiDocsAssets } from '../../views/api-docs'
import pkg from '../../../package.json'

const DESCRIPTION = `The HTTP API of Switchboard, a live dashboard for AI-agent swarms.

With SWITCHBOARD_TOKEN set, every route but /healthz, /readyz, /login, /logout and /assets/* needs
\`Authorization: Bearer <token>\` (or a browser's session cookie). Writes take application/json only.
Errors are JSON \`{error, field?}\`.`

export function apiDocsRoutes(assets: ApiDocsAssets) {
  return new Elysia()
    .use(
      openapi({
        path: routes.apiDocs,
        specPath: routes.apiSpec,
        // Its own page loads the UI from a CDN, which the CSP (script-src 'self') refuses: ours serves
        // swagger-ui-dist from /assets instead.
        provider: null,
        documentation: {
          info: { title: 'Switchboard', version: pkg.version, description: DESCRIPTION },
          components: { securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'SWITCHBOARD_TOKEN' } } },
          security: [{ token: [] }],
        },
      }),
    )
    .get(
      routes.apiDocs,
      () => new Response(ApiDocsPage({ assets, spec: routes.apiSpec }), { headers: { 'content-type': 'text/html; charset=utf-8' } }),
      { detail: { summary: 'This API reference (Swagger UI)', tags: ['operations'] } },
    )
}
