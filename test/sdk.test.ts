// The SDK against a real server on a real port: events reach the dashboard, once each, and the token is honoured.
import { afterEach, describe, expect, it } from 'bun:test'
import { connect, SwitchboardHttpError, type Event, type FetchLike } from '../src/client'
import type { AgentView, ViewModel } from '../src/view-model/derive'
import { startTestServer, type TestServer } from './support/server'

type Snapshot = Pick<ViewModel, 'blocked' | 'graphs' | 'results' | 'events'> & { agents: AgentView[] }
const snapshot = async (server: TestServer, token?: string): Promise<Snapshot> =>
  (await fetch(`${server.url}/api/snapshot`, { headers: token ? { authorization: `Bearer ${token}` } : {} })).json() as Promise<Snapshot>
const fast = { baseMs: 5, maxMs: 50 }

let server: TestServer | undefined
afterEach(async () => {
  await server?.stop()
  server = undefined
})

describe('SDK events', () => {
  it('a whole agent life shows on the dashboard snapshot', async () => {
    server = await startTestServer()
    const sb = connect({ url: server.url })
    sb.graph('g-life', [{ agent_id: 'lint-utils', name: 'Lint utils' }, { agent_id: 'docs', depends_on: ['lint-utils'] }])
    const agent = sb.agent('lint-utils', { graph_id: 'g-life', name: 'Lint utils' })
    agent.started()
    expect(await agent.tool('ruff', { path: 'src' }, () => ({ issues: 0 }))).toEqual({ issues: 0 })
    await expect(agent.tool('mypy', {}, () => Promise.reject(new Error('mypy crashed')))).rejects.toThrow('mypy crashed')
    await agent.model('claude-sonnet', async () => ({ tokens: 42 }))
    agent.model({ model: 'claude-sonnet', tokens: 10 })
    // token counts as the model APIs return them: Anthropic's usage, OpenAI's; a total below its parts is left out, not refused
    await agent.model('claude-sonnet', async () => ({ usage: { input_tokens: 100, output_tokens: 20 } }))
    await agent.model('gpt', async () => ({ usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 11 } }))
    agent.model({ model: 'm', input_tokens: 10, output_tokens: 10, tokens: 5 })
    agent.completed({ fixed: 3 })
    await sb.close()

    const snap = await snapshot(server)
    const view = snap.agents.find((a) => a.agent_id === 'lint-utils')!
    expect(view).toMatchObject({ state: 'done', name: 'Lint utils', tool_calls: 2, graph_id: 'g-life' })
    expect(view.usage).toMatchObject({ input: 117, output: 33, total: 42 + 10 + 120 + 11 + 20 })
    expect(snap.agents.find((a) => a.agent_id === 'docs')?.state).toBe('idle')
    expect(snap.results[0]).toMatchObject({ agent_id: 'lint-utils', status: 'done', result: { fixed: 3 } })
    expect(snap.graphs[0]).toMatchObject({ graph_id: 'g-life', total: 2, done: 1 })
    const wire = snap.events.filter((e) => e.agent_id === 'lint-utils').map((e) => `${e.category}:${e.action}`).reverse()
    expect(wire).toEqual([
      'agent:started', 'tool:called', 'tool:completed', 'tool:called', 'tool:failed',
      'model:request', 'model:response', 'model:request', 'model:response',
      'model:request', 'model:response', 'model:request', 'model:response', 'model:request', 'model:response', 'agent:completed',
    ])
    expect(sb.dropped).toBe(0)
  })

  it('parallel tool calls pair by the call_id it makes up, and model calls carry prompt, completion and duration', async () => {
    server = await startTestServer()
    const sb = connect({ url: server.url })
    const agent = sb.agent('steps-sdk')
    agent.started()
    let finishSlow!: (v: string) => void
    const slow = agent.tool('fetch', { url: 'slow' }, () => new Promise<string>((resolve) => (finishSlow = resolve)))
    await agent.tool('fetch', { url: 'fast' }, () => 'fast page')
    finishSlow('slow page')
    await slow
    await agent.tool('plan', {}, () => 'ok', { call_id: 'plan-1' })
    await agent.model('claude', async () => 'Hello', { input: 'Say hello', parent_id: 'plan-1' })
    await expect(agent.model('claude', () => Promise.reject(new Error('x'.repeat(10_000))))).rejects.toThrow()
    agent.model({ model: 'gpt', input: 'p'.repeat(30_000), output: 'c', duration_ms: 250, tokens: 3 })
    await sb.close()
    expect(sb.rejected).toBe(0)
    const steps = server.store.steps.page('steps-sdk', {}).steps
    expect(steps.map((st) => [st.name, st.input, st.output, st.depth])).toEqual([
      ['fetch', { url: 'slow' }, 'slow page', 0],
      ['fetch', { url: 'fast' }, 'fast page', 0],
      ['plan', {}, 'ok', 0],
      ['claude', 'Say hello', 'Hello', 1],
      ['claude', undefined, undefined, 0],
      ['gpt', expect.stringMatching(/^p+…$/), 'c', 0],
    ])
    expect(steps[4]).toMatchObject({ status: 'error' })
    expect(steps[4]!.error).toHaveLength(4096)
    expect(steps[5]).toMatchObject({ duration_ms: 250, tokens: 3 })
    expect(steps[3]!.duration_ms).toBeNumber()
  })

  it('sends a full batch at once instead of waiting for the flush timer', async () => {
    server = await startTestServer()
    const posted: number[] = []
    const counting: FetchLike = async (url, init) => {
      if (url.endsWith('/api/events')) posted.push((JSON.parse(String(init.body)) as Event[]).length)
      return fetch(url, init)
    }
    const sb = connect({ url: server.url, fetch: counting, flushMs: 60_000, maxBatch: 3 })
    const agent = sb.agent('batcher')
    for (let i = 0; i < 7; i++) agent.model({ model: 'm' }) // 14 events
    await sb.close()
    expect(posted.reduce((a, b) => a + b, 0)).toBe(14)
    expect(Math.max(...posted)).toBeLessThanOrEqual(3)
  })

  it('a batch retried after a failed request does not duplicate events', async () => {
    server = await startTestServer()
    let failed = false
    const replies: Array<{ accepted: number; duplicates: number }> = []
    // The server receives and accepts the first batch, then the answer is "lost" on the way back.
    const lossy: FetchLike = async (url, init) => {
      const res = await fetch(url, init)
      if (!failed && url.endsWith('/api/events')) {
        failed = true
        throw new TypeError('connection reset after the server took the request')
      }
      if (url.endsWith('/api/events')) replies.push(await res.clone().json())
      return res
    }
    const sb = connect({ url: server.url, fetch: lossy, backoff: fast })
    const agent = sb.agent('retry-agent')
    agent.started()
    await agent.tool('grep', { q: 'x' }, () => 'found')
    agent.completed('ok')
    await sb.close()

    expect(failed).toBe(true)
    // The retry carried the same ids: the bus recognised them instead of publishing them again.
    expect(replies[0]!.duplicates).toBeGreaterThan(0)
    const events = (await snapshot(server)).events.filter((e) => e.agent_id === 'retry-agent')
    expect(events.map((e) => e.action).reverse()).toEqual(['started', 'called', 'completed', 'completed'])
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length)
  })

  it('keeps events while the server is down and delivers them when it answers again', async () => {
    server = await startTestServer()
    let down = 3
    const flaky: FetchLike = async (url, init) => {
      if (down-- > 0) return new Response('{"error":"starting"}', { status: 503 })
      return fetch(url, init)
    }
    const sb = connect({ url: server.url, fetch: flaky, backoff: fast })
    sb.agent('patient').started()
    await sb.flush()
    expect((await snapshot(server)).agents.map((a) => a.agent_id)).toContain('patient')
    await sb.close()
  })

  it('drops the oldest events beyond maxBuffer and counts them', async () => {
    const neverUp: FetchLike = () => Promise.reject(new TypeError('connection refused'))
    const sb = connect({ url: 'http://127.0.0.1:9', fetch: neverUp, maxBuffer: 5, maxBatch: 2, flushMs: 60_000, backoff: fast })
    const agent = sb.agent('overflow')
    // maxBatch 2 sends the first two at once (they stay in flight); of the next 10, 5 fit the buffer.
    for (let i = 0; i < 12; i++) agent.model({ model: `m${i}` }) // 24 events
    expect(sb.dropped).toBe(24 - 2 - 5)
    await sb.close(50)
    expect(sb.dropped).toBe(24)
  })
})

describe('SDK and SWITCHBOARD_TOKEN', () => {
  it('a client without the token gets 401 through onError; with it, its events arrive', async () => {
    server = await startTestServer({ token: 's3cret' })
    const errors: SwitchboardHttpError[] = []
    const anonymous = connect({ url: server.url, onError: (error) => errors.push(error) })
    anonymous.agent('anon').started()
    await anonymous.close()
    expect(errors.map((e) => e.status)).toEqual([401])
    expect(anonymous.rejected).toBe(1)

    const trusted = connect({ url: server.url, token: 's3cret' })
    trusted.agent('trusted').started()
    await trusted.close()
    const ids = (await snapshot(server, 's3cret')).agents.map((a) => a.agent_id)
    expect(ids).toEqual(['trusted'])
  })

  it('ask() without the token rejects with the 401', async () => {
    server = await startTestServer({ token: 's3cret' })
    const sb = connect({ url: server.url })
    const error = await sb.agent('anon').ask('May I?').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SwitchboardHttpError)
    expect((error as SwitchboardHttpError).status).toBe(401)
    await sb.close()
  })
})
