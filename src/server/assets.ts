// Fingerprinted static assets: the Datastar beta bundle, the 1.0 bridge, the queue's notifier, the clock for growing times, the stylesheet, Swagger UI for /openapi; cached forever.
import { Elysia } from 'elysia'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ApiDocsAssets } from '../views/api-docs'
import type { PageAssets } from '../views/head'

interface Asset {
  path: string
  body: Uint8Array
  type: string
}

const local = (name: string) => fileURLToPath(new URL(name, import.meta.url))

function fingerprint(name: string, ext: string, file: string, type: string): Asset {
  const body = readFileSync(file)
  const hash = new Bun.CryptoHasher('sha256').update(body).digest('hex').slice(0, 12)
  return { path: `/assets/${name}-${hash}.${ext}`, body, type }
}

/** The package's exports map hides dist/datastar.js, so find the package root from its main entry. */
function datastarBundle(): string {
  const entry = fileURLToPath(import.meta.resolve('@starfederation/datastar'))
  return join(dirname(entry), 'datastar.js')
}

/** Swagger UI's prebuilt files (swagger-ui-dist has no exports map, so its files resolve by path). */
const swaggerFile = (name: string) => fileURLToPath(import.meta.resolve(`swagger-ui-dist/${name}`))

/** Load and hash the assets once per process. */
export function loadAssets() {
  const list = {
    // The self-contained bundle: dist/bundles/* import sibling modules.
    datastar: fingerprint('datastar', 'js', datastarBundle(), 'text/javascript; charset=utf-8'),
    bridge: fingerprint('bridge', 'js', local('./assets/bridge.js'), 'text/javascript; charset=utf-8'),
    css: fingerprint('app', 'css', local('../views/styles.css'), 'text/css; charset=utf-8'),
    swaggerCss: fingerprint('swagger-ui', 'css', swaggerFile('swagger-ui.css'), 'text/css; charset=utf-8'),
    swaggerBundle: fingerprint('swagger-ui-bundle', 'js', swaggerFile('swagger-ui-bundle.js'), 'text/javascript; charset=utf-8'),
    swaggerInit: fingerprint('openapi-ui', 'js', local('./assets/openapi-ui.js'), 'text/javascript; charset=utf-8'),
    notify: fingerprint('notify', 'js', local('./assets/notify.js'), 'text/javascript; charset=utf-8'),
    clock: fingerprint('clock', 'js', local('./assets/clock.js'), 'text/javascript; charset=utf-8'),
  }
  const urls: PageAssets = { datastar: list.datastar.path, bridge: list.bridge.path, css: list.css.path, notify: list.notify.path, clock: list.clock.path }
  const apiDocs: ApiDocsAssets = { css: list.swaggerCss.path, bundle: list.swaggerBundle.path, init: list.swaggerInit.path }
  return { urls, apiDocs, files: Object.values(list) }
}

export function assetRoutes(files: readonly Asset[]) {
  const byPath = new Map(files.map((f) => [f.path, f]))
  return new Elysia().get('/assets/:file', ({ params, status, set }) => {
    const asset = byPath.get(`/assets/${params.file}`)
    if (!asset) return status(404, { error: `no asset ${params.file}` })
    set.headers['content-type'] = asset.type
    // The hash in the name changes with the content, so a cached copy is never stale.
    set.headers['cache-control'] = 'public, max-age=31536000, immutable'
    return asset.body
  })
}
