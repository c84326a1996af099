// The OpenAPI document generated from the routes: every route documented, every documented route real, guarded by the token.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { startTestServer, type TestServer } from './support/server'
import { req } from './support/http'

let s: TestServer
let spec: { openapi: string; info: { title: string }; paths: Record<string, Record<string, unknown>> }
beforeAll(async () => {
  // With a token, so that /login and /logout exist too.
  s = await startTestServer({ listen: false, token: 'docs-token' })
  const res = await s.app.handle(req('/openapi/json', { headers: { authorization: 'Bearer docs-token' } }))
  expect(res.status).toBe(200)
  spec = (await res.json()) as typeof spec
})
afterAll(() => s.stop())

/** `METHOD /path/{param}` for each operation in the document. */
const documented = () => Object.entries(spec.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
/** `METHOD /path/{param}` for each route the app serves. */
const served = () => s.app.routes.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)

describe('the OpenAPI document', () => {
  it('is OpenAPI 3 describing Switchboard', () => {
    expect(spec.openapi).toStartWith('3.')
    expect(spec.info.title).toBe('Switchboard')
  })

  it('documents every route the app serves, the document itself aside', () => {
    const missing = served().filter((r) => !documented().includes(r) && r !== 'GET /openapi/json')
    expect(missing).toEqual([])
    expect(served().length).toBeGreaterThan(20)
  })

  it('documents only routes that exist: each answers something other than "no such route"', async () => {
    const stray = []
    for (const op of documented()) {
      const [method, path] = op.split(' ') as [string, string]
      const abort = new AbortController()
      const res = await s.app.handle(req(`${path.replace(/\{\w+\}/g, 'probe')}`, {
        method,
        signal: abort.signal,
        headers: { authorization: 'Bearer docs-token', 'content-type': 'application/json' },
        body: method === 'GET' ? undefined : '{}',
      }))
      // Streams stay open: the status and headers are enough.
      const body = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text()
      abort.abort()
      if (res.status === 404 && body.includes('no such route')) stray.push(op)
    }
    expect(stray).toEqual([])
  })

  it('documents the ingest body: each action\'s payload, with the step fields and their limits', () => {
    type Shape = { title?: string; properties?: Record<string, { maxLength?: number; maximum?: number }> }
    const body = (spec.paths['/api/events']!.post as { requestBody: { content: Record<string, { schema: { anyOf: Array<{ properties: { payload: { anyOf: Shape[] } } }> } }> } }).requestBody
    const payloads = body.content['application/json']!.schema.anyOf[0]!.properties.payload.anyOf
    const shape = (name: string) => payloads.find((p) => p.title === name)!.properties!
    expect(shape('tool:completed')).toMatchObject({ call_id: { maxLength: 200 }, parent_id: { maxLength: 200 }, error: { maxLength: 4096 } })
    expect(shape('model:response')).toMatchObject({ input: { maxLength: 20_000 }, output: { maxLength: 20_000 }, duration_ms: { maximum: 86_400_000 } })
    expect(payloads.map((p) => p.title)).toEqual(expect.arrayContaining(['agent:blocked', 'agent:note', 'tool:called', 'model:request']))
  })

  it('carries the routes\' TypeBox schemas: parameters and their limits', () => {
    const respond = spec.paths['/agent/{agent_id}/respond']!.post as { parameters: Array<{ name: string; in: string; schema: { maxLength?: number } }> }
    expect(respond.parameters.find((p) => p.name === 'agent_id')).toMatchObject({ in: 'path', schema: { maxLength: 200 } })
    const history = spec.paths['/api/events']!.get as { parameters: Array<{ name: string }> }
    expect(history.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['graph_id', 'agent_id', 'after', 'limit']))
  })
})

describe('guarding the API reference', () => {
  it('needs the token for the document and the page, like every route', async () => {
    expect((await s.app.handle(req('/openapi/json'))).status).toBe(401)
    expect((await s.app.handle(req('/openapi'))).status).toBe(401)
    expect((await s.app.handle(req('/openapi', { headers: { authorization: 'Bearer docs-token' } }))).status).toBe(200)
  })

  it('serves the UI from its own fingerprinted assets, so the CSP (script-src \'self\') lets it run', async () => {
    const page = await (await s.app.handle(req('/openapi', { headers: { authorization: 'Bearer docs-token' } }))).text()
    const sources = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((u) => u !== 'data:,')
    expect(sources.length).toBe(3)
    for (const url of sources) {
      expect(url).toStartWith('/assets/')
      const asset = await s.app.handle(req(url))
      expect(asset.status).toBe(200)
      expect(asset.headers.get('content-type')).toMatch(/^text\/(javascript|css)/)
    }
    expect(page).toContain('data-spec="/openapi/json"')
  })
})
