// MCP sessions and bodies bounded per client, over real sockets from distinct loopback addresses (Linux routes
// 127.0.0.0/8 to lo): a flood of initializes closes only the flooder's sessions, idle ones expire on an injected
// clock, and a body that never finishes is cut at the deadline (issue 22).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import http from 'node:http'
import { connect as connectSocket } from 'node:net'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { startTestServer, type TestServer } from './support/server'
import { until } from './support/http'

const TOKEN = 'mcp-limits-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const IDLE_MS = 60_000
let clock = 1_000_000
let server: TestServer


/** fetch from a chosen loopback address (node:http binds it; Bun's fetch cannot), so the server sees another client. */
function fetchFrom(localAddress: string): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init)
    const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined
    const url = new URL(request.url)
    const sent: Record<string, string> = {}
    request.headers.forEach((value, name) => (sent[name] = value))
    return new Promise<Response>((resolve, reject) => {
      const options = { host: url.hostname, port: url.port, path: url.pathname + url.search, method: request.method, headers: sent, localAddress, agent: false, signal: init?.signal ?? undefined }
      const req = http.request(options, (res) => {
        const headers = new Headers()
        for (const [name, value] of Object.entries(res.headers)) for (const one of [value ?? []].flat()) headers.append(name, one)
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            res.on('data', (d: Buffer) => c.enqueue(new Uint8Array(d)))
            res.on('end', () => c.close())
            res.on('error', (e) => c.error(e))
          },
          cancel: () => void res.destroy(),
        })
        resolve(new Response(res.statusCode === 204 ? null : stream, { status: res.statusCode!, headers }))
      })
      req.on('error', reject)
      req.end(body)
    })
  }) as typeof fetch
}

const headers = { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'flood', version: '1' } } }

/** One initialize over raw HTTP: its status, Retry-After and session id. */
async function initialize(from: string) {
  const res = await fetchFrom(from)(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(INIT) })
  await res.text()
  return { status: res.status, retryAfter: res.headers.get('retry-after'), session: res.headers.get('mcp-session-id') }
}

/** The status a session's tools/list gets: 200 while it lives, 404 once it was closed. */
async function listStatus(from: string, session: string) {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })
  const res = await fetchFrom(from)(`${server.url}/mcp`, { method: 'POST', headers: { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }, body })
  await res.text()
  return res.status
}

async function connect(from: string, name = 'client-a') {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: auth }, fetch: fetchFrom(from) })
  const client = new Client({ name, version: '1.0.0' })
  await client.connect(transport)
  return { client, agentId: `mcp-${transport.sessionId}` }
}

const pendingFor = (agentId: string) => until(`a card for ${agentId}`, () => server.questions.pending().find((q) => q.agent_id === agentId))

describe('MCP session limits', () => {
  // A server each: the total cap is shared, and one test's sessions would be another's neighbours.
  beforeEach(async () => {
    const mcp = { maxSessions: 6, maxSessionsPerClient: 3, maxSessionsPerAddress: 4, idleMs: IDLE_MS, now: () => clock, progressMs: 60_000 }
    server = await startTestServer({ token: TOKEN, mcp })
  })
  afterEach(() => server.stop())

  it('a flood of initializes closes the flooder’s own sessions, never another client’s', async () => {
    const a = await connect('127.0.0.1')
    const flood: string[] = []
    for (let i = 0; i < 10; i++) {
      const r = await initialize('127.0.0.2')
      expect(r.status).toBe(200)
      flood.push(r.session!)
    }
    // A second flooder fills the total (6): the heaviest client, the first flooder, gives way, not A.
    for (let i = 0; i < 10; i++) expect((await initialize('127.0.0.3')).status).toBe(200)
    expect((await a.client.listTools()).tools.length).toBe(3)
    const alive = await Promise.all(flood.map((s) => listStatus('127.0.0.2', s)))
    expect(alive.filter((s) => s === 200).length).toBeLessThanOrEqual(3)
    expect(alive.slice(0, 7)).toEqual(Array(7).fill(404))
    await a.client.close()
  })

  it('a burst of initializes in flight at once is held to the client’s cap', async () => {
    const burst = await Promise.all(Array.from({ length: 12 }, () => initialize('127.0.0.4')))
    const opened = burst.filter((r) => r.status === 200).map((r) => r.session!)
    expect(burst.every((r) => r.status === 200 || (r.status === 429 && r.retryAfter === '30'))).toBe(true)
    const alive = await Promise.all(opened.map((s) => listStatus('127.0.0.4', s)))
    expect(alive.filter((s) => s === 200).length).toBeLessThanOrEqual(3)
  })

  it('past its cap with every session waiting for a person, a client’s initialize is 429 with Retry-After', async () => {
    const clients = [await connect('127.0.0.5', 'w1'), await connect('127.0.0.5', 'w2'), await connect('127.0.0.5', 'w3')]
    const calls = clients.map(({ client }) => client.callTool({ name: 'ask_human', arguments: { question: 'Hold on?' } }).catch(() => undefined))
    const cards = await Promise.all(clients.map(({ agentId }) => pendingFor(agentId)))
    const refused = await initialize('127.0.0.5')
    expect([refused.status, refused.retryAfter, refused.session]).toEqual([429, '30', null])
    for (const c of clients) await c.client.close()
    await Promise.all(calls)
    await until('the cards to leave', () => cards.every((c) => server.questions.status(c.msg_id)?.status === 'cancelled'))
  })

  it('an idle session expires after the idle time; one waiting for a person does not, and its idle time starts at the answer', async () => {
    const idle = await connect('127.0.0.6', 'idle')
    const waiting = await connect('127.0.0.6', 'waiting')
    const asked = waiting.client.callTool({ name: 'ask_human', arguments: { question: 'Long one?' } }) as Promise<CallToolResult>
    const card = await pendingFor(waiting.agentId)
    clock += IDLE_MS + 1
    await expect(idle.client.listTools()).rejects.toThrow(/404|Session not found/)
    await server.questions.respond(card.agent_id, card.msg_id, 'yes', 'Ada')
    expect((await asked).isError).toBeFalsy()
    clock += IDLE_MS - 1
    expect((await waiting.client.listTools()).tools.length).toBe(3)
    clock += IDLE_MS + 1
    await expect(waiting.client.listTools()).rejects.toThrow(/404|Session not found/)
  })
})

describe('MCP body deadline', () => {
    beforeAll(async () => {
    server = await startTestServer({ token: TOKEN, mcp: { bodyMs: 200 } })
  })
  afterAll(() => server.stop())

  /** A socket that sends the headers and half its body, then nothing: resolves with what the server said as it closed. */
  const halfBody = () =>
    new Promise<string>((resolve, reject) => {
      const { port } = new URL(server.url)
      const socket = connectSocket(Number(port), '127.0.0.1', () => {
        const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: 200\r\n\r\n`
        socket.write(`${head}{"jsonrpc":"2.0","id":1,"method":"initialize",`)
      })
      let said = ''
      socket.on('data', (d) => (said += d.toString()))
      socket.on('error', reject)
      socket.on('close', () => resolve(said))
    })

  it('a socket that sends half a body to /mcp is answered 408 and closed', async () => {
    const said = await Promise.all(Array.from({ length: 20 }, halfBody))
    for (const s of said) expect(s).toStartWith('HTTP/1.1 408')
    const res = await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(INIT) })
    expect(res.status).toBe(200)
    await res.body?.cancel()
  })

  it('a body over 1 MiB is a 413, however it is sent', async () => {
    const big = JSON.stringify({ ...INIT, pad: 'x'.repeat(1 << 20) })
    expect((await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: big })).status).toBe(413)
    // Chunked: no Content-Length to refuse on, so the count stops the read.
    const chunked = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(big)), c.close()) })
    expect((await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: chunked })).status).toBe(413)
  })
})
