// Every JSON entry point refuses a 100,000-deep body by its nesting, read from the raw text, before anything
// recursive reads it: one such body to MCP request_permission stalled the event loop for 4.8 s (issue 22).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { checkJson, checkJsonDepth } from '../src/protocol/json-depth'
import { MAX_BODY_DEPTH } from '../src/protocol/limits'
import { startTestServer, type TestServer } from './support/server'
import { post } from './support/http'

const TOKEN = 'deep-json-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const DEEP = 100_000
/** JSON nested `depth` levels, as text: no JSON.stringify could build it (its recursion would overflow first). */
const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`
const LIMIT_REASON = `nests deeper than the depth limit of ${MAX_BODY_DEPTH} levels`

describe('checkJson', () => {
  it('measures nesting outside strings only, and names the top-level key it is under', () => {
    expect(checkJsonDepth(deepArray(MAX_BODY_DEPTH))).toBeUndefined()
    expect(checkJsonDepth(deepArray(MAX_BODY_DEPTH + 1))).toEqual({ kind: 'depth', field: 'body', reason: LIMIT_REASON })
    expect(checkJsonDepth(`{"s": "${'['.repeat(10_000)}\\"{{", "ok": 1}`)).toBeUndefined()
    expect(checkJsonDepth(`{"first": [], "the \\"key\\"": ${deepArray(DEEP)}}`)).toEqual({ kind: 'depth', field: 'the "key"', reason: LIMIT_REASON })
    expect(checkJsonDepth(`{"a": 1, "b": {"c": ${deepObject(DEEP)}}}`)?.field).toBe('b')
  })
  it('counts values: containers and what commas separate', () => {
    expect(checkJson('[1,2,3]', { maxValues: 4 })).toBeUndefined()
    expect(checkJson(`[${'{},'.repeat(10)}{}]`, { maxValues: 10 })?.reason).toBe('holds more than the limit of 10 values')
    expect(checkJson('["a,b,c,d,e,f"]', { maxValues: 3 })).toBeUndefined()
  })
})

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ token: TOKEN })
})
afterAll(() => s.stop())

async function refusal(path: string, body: string): Promise<[number, string]> {
  const res = await fetch(post(`${s.url}${path}`, body, auth))
  return [res.status, await res.text()]
}

describe('a 100,000-deep JSON body', () => {
  for (const path of ['/api/events', '/api/questions', '/agent/deep/respond?msg_id=m'])
    it(`is refused 400 at ${path}, naming the limit, and the server goes on`, async () => {
      for (const body of [deepArray(DEEP), deepObject(DEEP), `{"msg_id": "m", "answer": ${deepArray(DEEP)}}`]) {
        const [status, text] = await refusal(path, body)
        expect(status).toBe(400)
        expect(JSON.parse(text).error).toContain(LIMIT_REASON)
      }
      expect(JSON.parse((await refusal(path, `{"msg_id": "m", "answer": ${deepArray(DEEP)}}`))[1]).field).toBe('answer')
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
    })

  it('is refused 400 at /v1/traces (OTLP JSON), naming the limit', async () => {
    const [status, text] = await refusal('/v1/traces', `{"resourceSpans": [{"scopeSpans": ${deepArray(DEEP)}}]}`)
    expect(status).toBe(400)
    expect(JSON.parse(text).error).toContain(LIMIT_REASON)
    expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
  })

  it('is refused at /mcp before the SDK reads it: the real client gets the reason, and its session still works', async () => {
    // The SDK client cannot serialise such a value itself: its request goes out with a marker the fetch swaps for the text.
    const MARK = '"__deep__"'
    const deepFetch = (url: string | URL, init?: RequestInit) =>
      fetch(url, typeof init?.body === 'string' && init.body.includes(MARK) ? { ...init, body: init.body.replace(MARK, deepObject(DEEP)) } : init)
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', s.url), { requestInit: { headers: auth }, fetch: deepFetch })
    const client = new Client({ name: 'deep-agent', version: '1.0.0' })
    await client.connect(transport)
    try {
      const refused = await client.callTool({ name: 'request_permission', arguments: { tool_name: 'Bash', input: '__deep__' } }).then(() => undefined, (error: unknown) => error)
      expect(refused).toMatchObject({ code: 400 })
      expect(String(refused)).toContain(LIMIT_REASON)
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200)
      const status = (await client.callTool({ name: 'report_status', arguments: { status: 'progress', message: 'still here' } })) as CallToolResult
      expect(status.isError).toBeFalsy()
    } finally {
      await client.close()
    }
  })
})
