// The MCP server, driven by the official SDK's client over a real socket: questions answered on the page reach the tool call.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { PendingQuestion } from '../src/questions/question-record'
import { startTestServer, type TestServer } from './support/server'
import { post } from './support/http'

const TOKEN = 'mcp-test-token'
let server: TestServer
const auth = { authorization: `Bearer ${TOKEN}` }

beforeAll(async () => {
  server = await startTestServer({ token: TOKEN, mcp: { progressMs: 20 } })
})
afterAll(() => server.stop())

async function connect(name = 'test-agent') {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: auth } })
  const client = new Client({ name, version: '1.0.0' })
  await client.connect(transport)
  return { client, agentId: `mcp-${transport.sessionId}` }
}

/** Resolves once `pick` finds something in the pending questions (checked on every change); fails after 10 s. */
function whenPending<T>(what: string, pick: (pending: PendingQuestion[]) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`still waiting for ${what}`))), 10_000)
    const check = () => {
      const found = pick(server.questions.pending())
      if (found === undefined) return
      off()
      clearTimeout(timer)
      resolve(found)
    }
    const off = server.questions.onChange(check)
    check()
  })
}
const cardOf = (agentId: string) => whenPending(`a card for ${agentId}`, (p) => p.find((q) => q.agent_id === agentId))
const gone = (msgId: string) => whenPending(`card ${msgId} to leave`, (p) => (p.some((q) => q.msg_id === msgId) ? undefined : true))

/** What the page sends: POST /agent/:id/respond. */
async function answer(card: PendingQuestion, value: unknown) {
  const res = await fetch(`${server.url}/agent/${encodeURIComponent(card.agent_id)}/respond`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ msg_id: card.msg_id, answer: value, answered_by: 'Ada' }),
  })
  expect(res.status).toBe(200)
}

const call = (client: Client, name: string, args: Record<string, unknown>) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>
const texts = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : ''))

describe('MCP server', () => {
  it('ask_human shows a card, sends progress while it waits, and returns the answer given on the page', async () => {
    const { client, agentId } = await connect('docs-bot')
    let progressed!: () => void
    const twoProgress = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no progress notifications while waiting')), 10_000)
      progressed = () => (clearTimeout(timer), resolve())
    })
    let seen = 0
    const result = client.callTool({ name: 'ask_human', arguments: { question: 'Which docstring style?', options: ['Google', 'NumPy'] } }, undefined, {
      onprogress: () => ++seen === 2 && progressed(),
    }) as Promise<CallToolResult>
    const card = await cardOf(agentId)
    expect(card).toMatchObject({ question: 'Which docstring style?', kind: 'options', options: ['Google', 'NumPy'] })
    // The agent shows once its events are stored.
    await server.bus.persisted()
    expect(server.dashboard.agents.get(agentId)!.getSnapshot().context.name).toBe('docs-bot')
    await twoProgress
    await answer(card, 'Google')
    const r = await result
    expect(r.isError).toBeFalsy()
    expect(texts(r)).toEqual(['Google', 'Answered by Ada.'])
    await client.close()
  })

  it('returns an approval and a form typed, as structuredContent', async () => {
    const { client, agentId } = await connect()
    const approval = call(client, 'ask_human', { question: 'Ship it?', kind: 'approval', context: 'All **green**.' })
    await answer(await cardOf(agentId), { approved: false, comment: 'not on a Friday' })
    expect((await approval).structuredContent).toEqual({ approved: false, comment: 'not on a Friday' })
    const schema = { type: 'object', properties: { replicas: { type: 'integer', minimum: 1 }, canary: { type: 'boolean' } }, required: ['replicas'] }
    const form = call(client, 'ask_human', { question: 'How to deploy?', schema })
    const card = await cardOf(agentId)
    expect(card.kind).toBe('form')
    await answer(card, { replicas: 3, canary: true })
    const r = await form
    expect(r.structuredContent).toEqual({ replicas: 3, canary: true })
    expect(JSON.parse(texts(r)[0]!)).toEqual({ replicas: 3, canary: true })
    await client.close()
  })

  it('request_permission allows with the input, or denies with the comment or who denied', async () => {
    const { client, agentId } = await connect('claude-code')
    const input = { command: 'rm -rf build' }
    const allowed = call(client, 'request_permission', { tool_name: 'Bash', input, tool_use_id: 'toolu_1' })
    const card = await cardOf(agentId)
    expect(card).toMatchObject({ kind: 'approval', details: input })
    expect(card.context).toContain('rm -rf build')
    await answer(card, { approved: true })
    expect(JSON.parse(texts(await allowed)[0]!)).toEqual({ behavior: 'allow', updatedInput: input })

    const denied = call(client, 'request_permission', { tool_name: 'Bash', input })
    await answer(await cardOf(agentId), { approved: false, comment: 'use make clean' })
    expect(JSON.parse(texts(await denied)[0]!)).toEqual({ behavior: 'deny', message: 'use make clean' })

    const plain = call(client, 'request_permission', { tool_name: 'Write', input: { file_path: '/etc/passwd' } })
    await answer(await cardOf(agentId), { approved: false })
    expect(JSON.parse(texts(await plain)[0]!)).toEqual({ behavior: 'deny', message: 'Denied by Ada' })
    await client.close()
  })

  it('a cancelled call withdraws its card', async () => {
    const { client, agentId } = await connect()
    const abort = new AbortController()
    const result = client.callTool({ name: 'ask_human', arguments: { question: 'Still there?' } }, undefined, { signal: abort.signal })
    const card = await cardOf(agentId)
    abort.abort()
    await expect(result).rejects.toThrow()
    await gone(card.msg_id)
    const status = await (await fetch(`${server.url}/api/questions/${card.msg_id}`, { headers: auth })).json()
    expect(status.status).toBe('cancelled')
    await client.close()
  })

  it('a client that goes away mid-call withdraws its card', async () => {
    const headers = { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const rpc = (body: unknown, session?: string, signal?: AbortSignal) =>
      fetch(`${server.url}/mcp`, { method: 'POST', headers: { ...headers, ...(session ? { 'mcp-session-id': session } : {}) }, body: JSON.stringify(body), signal })
    const clientInfo = { name: 'raw', version: '1' }
    const init = await rpc({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo } })
    const session = init.headers.get('mcp-session-id')!
    await init.text()
    expect((await rpc({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).status).toBe(202)
    const abort = new AbortController()
    const call = rpc({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'ask_human', arguments: { question: 'Anyone?' } } }, session, abort.signal)
    const card = await cardOf(`mcp-${session}`)
    abort.abort()
    await call.then((r) => r.text()).catch(() => undefined)
    await gone(card.msg_id)
    expect(server.questions.status(card.msg_id)?.status).toBe('cancelled')
  })

  it('a session closed while a call waits withdraws its card', async () => {
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', server.url), { requestInit: { headers: auth } })
    const client = new Client({ name: 'closing', version: '1' })
    await client.connect(transport)
    const result = call(client, 'ask_human', { question: 'Before you go?' })
    const card = await cardOf(`mcp-${transport.sessionId}`)
    await transport.terminateSession()
    await gone(card.msg_id)
    expect(server.questions.status(card.msg_id)?.status).toBe('cancelled')
    await client.close()
    await result.catch(() => undefined)
  })

  it('a question withdrawn on the page or timed out is an error result that says so', async () => {
    const { client, agentId } = await connect()
    const withdrawn = call(client, 'ask_human', { question: 'Deploy?' })
    const card = await cardOf(agentId)
    const res = await fetch(`${server.url}/agent/${agentId}/cancel`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ msg_id: card.msg_id, answered_by: 'Ada' }),
    })
    expect(res.status).toBe(200)
    const r = await withdrawn
    expect(r.isError).toBe(true)
    expect(texts(r)[0]).toContain('withdrawn by Ada')
    const late = await call(client, 'ask_human', { question: 'Quick?', timeout_s: 0.05 })
    expect(late.isError).toBe(true)
    expect(texts(late)[0]).toContain('timed out')
    await client.close()
  })

  it('report_status moves the agent: started, progress, completed', async () => {
    const { client, agentId } = await connect('builder')
    await call(client, 'report_status', { status: 'started', message: 'building' })
    expect(server.dashboard.agents.get(agentId)!.getSnapshot().value).toBe('running')
    await call(client, 'report_status', { status: 'progress', message: 'step 2 of 3' })
    expect(server.dashboard.agents.get(agentId)!.getSnapshot().context.recent_tools.at(-1)).toMatchObject({ tool: 'progress', result: 'step 2 of 3' })
    await call(client, 'report_status', { status: 'completed', message: 'built', result: { artifacts: 2 } })
    const done = server.dashboard.agents.get(agentId)!.getSnapshot()
    expect(done.value).toBe('done')
    expect(done.context.result).toEqual({ artifacts: 2 })
    await call(client, 'report_status', { status: 'failed', error: 'disk full', agent_id: 'worker-2', name: 'Worker 2' })
    const other = server.dashboard.agents.get('worker-2')!.getSnapshot()
    expect([other.value, other.context.name, other.context.error]).toEqual(['failed', 'Worker 2', 'disk full'])
    await client.close()
  })

  it('bad arguments are an error naming the field', async () => {
    const { client } = await connect()
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['ask_human', { question: 5 }, 'question'],
      ['ask_human', { question: 'Form?', kind: 'form' }, 'schema'],
      ['ask_human', { question: 'Form?', schema: { type: 'object', properties: {} } }, 'schema.properties'],
      ['ask_human', { question: 'Who?', agent_id: '..' }, 'agent_id'],
      ['request_permission', { tool_name: 'Bash', input: [1, 2] }, 'input'],
      ['report_status', { status: 'paused' }, 'status'],
    ]
    for (const [tool, args, field] of cases) {
      const r = await call(client, tool, args)
      expect(r.isError).toBe(true)
      expect(texts(r)[0]).toContain(field)
    }
    expect(server.questions.pending().filter((q) => ['Form?', 'Who?'].includes(q.question))).toEqual([])
    await client.close()
  })

  it('needs the token: 401 without it', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const without = await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(init) })
    expect(without.status).toBe(401)
    const client = new Client({ name: 'no-token', version: '1' })
    await expect(client.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.url)))).rejects.toThrow()
    const withToken = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { ...headers, ...auth }, body: JSON.stringify(init) })
    expect(withToken.status).toBe(200)
    expect(withToken.headers.get('mcp-session-id')).toBeTruthy()
    await withToken.body?.cancel()
  })

  it('refuses hostile requests with a 4xx and goes on serving', async () => {
    const headers = { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    const send = (body: string, extra: Record<string, string> = {}) => fetch(post(`${server.url}/mcp`, body, { ...headers, ...extra }))
    expect((await send('{not json')).status).toBe(400)
    expect((await send('[]')).status).toBe(400)
    expect((await send('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { 'mcp-session-id': 'nope' })).status).toBe(404)
    expect((await send('{}', { 'content-type': 'text/plain' })).status).toBe(415)
    expect((await send('{}', { origin: 'https://evil.example' })).status).toBe(403)
    const { client } = await connect()
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['ask_human', 'report_status', 'request_permission'])
    await client.close()
  })

  // Last: it stops the shared server's question service.
  it('Switchboard stopping ends a waiting call with an error and withdraws its card', async () => {
    const { client, agentId } = await connect()
    const result = call(client, 'ask_human', { question: 'Across a restart?' })
    const card = await cardOf(agentId)
    server.questions.release()
    const r = await result
    expect(r.isError).toBe(true)
    expect(texts(r)[0]).toContain('restarting')
    expect(server.questions.status(card.msg_id)?.status).toBe('cancelled')
    await client.close()
  })
})
