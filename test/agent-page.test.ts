// The agent page and its JSON: header facts, steps, filters and pages, refusals, hostile ids, live patches.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Event } from '../src/protocol/event'
import { ids, routes } from '../src/views/targets'
import { post, req } from './support/http'
import { readUntil, startTestServer, type TestServer } from './support/server'

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0)
let n = 0
const ev = (category: Event['category'], action: string, agentId: string | undefined, payload: Record<string, unknown> = {}, extra: Partial<Event> = {}): Event => ({
  id: `ap-${++n}`,
  timestamp: T0 + n * 1_000,
  category,
  action,
  ...(agentId === undefined ? {} : { agent_id: agentId }),
  payload,
  ...extra,
})

let s: TestServer
const ingest = async (events: Event[]) => {
  const res = await s.app.handle(post(routes.ingest, events))
  expect(res.status).toBe(202)
  await s.store.flushed()
}
const get = (path: string) => s.app.handle(req(path))
const json = async (path: string) => {
  const res = await get(path)
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}

const WRITER = 'writer-1'
beforeAll(async () => {
  s = await startTestServer({ listen: false, stream: { prices: new Map([['gpt-x', { input: 1, output: 2 }]]) } })
  await ingest([
    ev('graph', 'started', undefined, { agents: [{ agent_id: WRITER, name: 'Writer' }] }, { graph_id: 'run-7' }),
    ev('agent', 'started', WRITER, {}, { graph_id: 'run-7' }),
    ev('tool', 'called', WRITER, { tool: 'grep', call_id: 'c1', args: { pattern: 'TODO', path: 'src/' } }),
    ev('tool', 'completed', WRITER, { tool: 'grep', call_id: 'c1', result: { matches: 3 } }),
    ev('model', 'request', WRITER, { model: 'gpt-x', call_id: 'm1', input: 'Summarise the TODOs' }),
    ev('model', 'response', WRITER, { model: 'gpt-x', call_id: 'm1', output: 'Three TODOs remain.', input_tokens: 1200, output_tokens: 300, duration_ms: 840 }),
    ev('tool', 'called', WRITER, { tool: 'pytest', call_id: 'c2', args: ['-q'] }),
    ev('tool', 'failed', WRITER, { tool: 'pytest', call_id: 'c2', error: 'exit 1: 2 failed' }),
    ev('agent', 'blocked', WRITER, { msg_id: 'q-ship', question: 'Ship it with 2 failing tests?', options: ['yes', 'no'] }),
  ])
})
afterAll(() => s.stop())

describe('GET /agents/:agent_id', () => {
  it('shows the header: name, run linked, state in words, turn, tokens and cost, and a link to its state machine', async () => {
    const res = await get(routes.agent(WRITER))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toStartWith('text/html')
    const html = await res.text()
    expect(html).toContain('<span class="agent-name">Writer</span>')
    expect(html).toContain(`<a href="${routes.runs('run-7')}">run-7</a>`)
    expect(html).toContain('<strong class="state">Waiting for answer</strong>')
    expect(html).toContain('<dt>Turn</dt><dd>1</dd>')
    expect(html).toContain('1200 in / 300 out (1500 in all) · $0.0018')
    expect(html).toContain(`<a href="${routes.inspect(WRITER)}">State machine</a>`)
  })

  it('shows the question with its answer controls, posting to the respond route', async () => {
    const html = await (await get(routes.agent(WRITER))).text()
    expect(html).toContain(`id="${ids.card('q-ship')}"`)
    expect(html).toContain(`<p class="question" id="${ids.cardControl('q-ship', 'q')}">Ship it with 2 failing tests?</p>`)
    expect(html).toContain(`@post('${routes.respond(WRITER)}?msg_id=q-ship\\u0026option=0')`)
    expect(html).toContain(`data-on-load="@get('${routes.agentEvents(WRITER)}')"`)
  })

  it("lists every step: a tool call's arguments and result, a failed call's error, a model call's tokens, cost, prompt and completion", async () => {
    const html = await (await get(routes.agent(WRITER))).text()
    const steps = html.slice(html.indexOf(`<ol id="${ids.agentSteps}"`), html.indexOf(`id="${ids.agentPager}"`))
    expect(steps.match(/<li id="ap-step-/g)?.length).toBe(4)
    expect(steps).toContain('<code class="step-name">grep</code>')
    expect(steps).toContain('{\n  &quot;pattern&quot;: &quot;TODO&quot;,\n  &quot;path&quot;: &quot;src/&quot;\n}')
    expect(steps).toContain('{\n  &quot;matches&quot;: 3\n}')
    expect(steps).toContain('<pre class="step-error">exit 1: 2 failed</pre>')
    expect(steps).toContain('<span class="step-facts">1200 in / 300 out · $0.0018</span>')
    expect(steps).toContain('<span class="step-took">840 ms</span>')
    // prompt and completion collapsed by default
    expect(steps).toMatch(/<details class="step-io"><summary><span class="io-label">Prompt<\/span>[^]*?<pre>Summarise the TODOs<\/pre><\/details>/)
    expect(steps).toContain('<pre>Three TODOs remain.</pre>')
    expect(steps).not.toContain('<details open')
  })

  it('filters by kind and to errors only, with links that are plain URLs', async () => {
    const html = await (await get(`${routes.agent(WRITER)}?kind=tool&errors=1`)).text()
    const steps = html.slice(html.indexOf(`<ol id="${ids.agentSteps}"`), html.indexOf(`id="${ids.agentPager}"`))
    expect(steps.match(/<li id="ap-step-/g)?.length).toBe(1)
    expect(steps).toContain('pytest')
    expect(html).toContain(`<a href="${routes.agent(WRITER)}?kind=model&errors=1">Model calls</a>`)
    expect(html).toContain(`<a class="errors-toggle on" href="${routes.agent(WRITER)}?kind=tool">Errors only<span class="visually-hidden"> (on: follow to show every step)</span></a>`)
  })
})

describe('an agent across turns, with notes and nested steps', () => {
  it('shows its turn, why it waits for its user, its notes, and a child step under its parent', async () => {
    const agent = 'session-1'
    await ingest([
      ev('agent', 'started', agent),
      ev('tool', 'called', agent, { tool: 'plan', call_id: 'p1' }),
      ev('tool', 'called', agent, { tool: 'read', call_id: 'r1', parent_id: 'p1' }),
      ev('tool', 'completed', agent, { tool: 'read', call_id: 'r1', result: 'ok' }),
      ev('tool', 'completed', agent, { tool: 'plan', call_id: 'p1', result: 'planned' }),
      ev('agent', 'note', agent, { text: 'Chose <the> short path' }),
      ev('agent', 'completed', agent, {}),
      ev('agent', 'started', agent),
      ev('agent', 'note', agent, { text: 'Second turn' }),
      ev('agent', 'waiting', agent, { reason: 'the user to reply in chat' }),
    ])
    const html = await (await get(routes.agent(agent))).text()
    expect(html).toContain('<dt>Turn</dt><dd>2</dd>')
    expect(html).toContain('<strong class="state">Waiting for its user</strong>')
    expect(html).toContain('Waiting for its user: the user to reply in chat')
    expect(html).toContain('<p class="step-note">Chose &lt;the&gt; short path</p>')
    const order = [...html.matchAll(/<li id="ap-step-\d+" class="step kind-(\w+)[^"]*"( style="--depth:(\d)")?/g)].map((m) => `${m[1]}${m[3] ?? 0}`)
    expect(order).toEqual(['tool0', 'tool1', 'note0', 'note0'])
    // a step of a later turn says which; the first turn's say nothing
    const turns = [...html.matchAll(/<li id="ap-step-\d+"[^>]*data-turn="(\d)"[^]*?<\/li>/g)].map((m) => [m[1], m[0].includes('<span class="step-turn">turn 2</span>')])
    expect(turns).toEqual([['1', false], ['1', false], ['1', false], ['2', true]])
  })
})

describe("a question's answer on the agent page", () => {
  it('says an approval in words, with its comment and who gave it, not as JSON', async () => {
    const agent = 'approver-1'
    await ingest([
      ev('agent', 'started', agent),
      ev('agent', 'blocked', agent, { msg_id: 'q-deploy', question: 'Deploy?', kind: 'approval' }),
      ev('agent', 'resumed', agent, { msg_id: 'q-deploy', answer: { approved: false, comment: 'not <today>' }, answered_by: 'Ann' }),
    ])
    const html = await (await get(routes.agent(agent))).text()
    expect(html).toMatch(/Answered by Ann after [^:]+: <\/span><strong>Denied: not &lt;today&gt;<\/strong>/)
    expect(html).not.toContain('&quot;approved&quot;')
  })
})

describe('GET /api/agents/:agent_id', () => {
  it('answers the header facts, the pending questions and the first page of steps', async () => {
    const { status, body } = await json(routes.agentApi(WRITER))
    expect(status).toBe(200)
    expect(body.agent).toMatchObject({ agent_id: WRITER, name: 'Writer', graph_id: 'run-7', state: 'blocked', label: 'Waiting for answer', turn: 1, source: 'memory' })
    expect(body.agent.usage).toMatchObject({ input: 1200, output: 300, cost_usd: 0.0018 })
    expect(body.questions.map((q: { msg_id: string }) => q.msg_id)).toEqual(['q-ship'])
    expect(body.steps.total).toBe(4)
    expect(body.steps.steps.map((x: { kind: string; name: string }) => `${x.kind}:${x.name}`)).toEqual(['tool:grep', 'model:gpt-x', 'tool:pytest', 'question:Ship it with 2 failing tests?'])
    expect(body.steps.steps[0]).toMatchObject({ input: { pattern: 'TODO', path: 'src/' }, output: { matches: 3 }, status: 'ok' })
  })

  it('pages by cursor and limit, and filters by kind', async () => {
    const first = (await json(`${routes.agentApi(WRITER)}?limit=2`)).body
    expect(first.steps.steps.length).toBe(2)
    const second = (await json(`${routes.agentApi(WRITER)}?limit=2&cursor=${first.steps.next}`)).body
    expect(second.steps.steps.map((x: { name: string }) => x.name)).toEqual(['pytest', 'Ship it with 2 failing tests?'])
    expect(second.steps.next).toBeUndefined()
    const models = (await json(`${routes.agentApi(WRITER)}?kind=model,question`)).body
    expect(models.steps.steps.map((x: { kind: string }) => x.kind)).toEqual(['model', 'question'])
  })

  it('refuses a query it cannot read with a 400 naming the parameter', async () => {
    for (const [query, field] of [
      ['kind=bogus', 'query.kind'],
      ['limit=0', 'query.limit'],
      ['limit=501', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['errors=yes', 'query.errors'],
      ['cursor=not-a-cursor', 'query.cursor'],
      ['cursor=%07', 'query.cursor'],
    ] as const) {
      const { status, body } = await json(`${routes.agentApi(WRITER)}?${query}`)
      expect([query, status, body.field]).toEqual([query, 400, field])
      expect(body.error).toStartWith(field)
    }
  })
})

describe('the OpenAPI document', () => {
  it('describes GET /api/agents/{agent_id}: its id, its query and its answers', async () => {
    const spec = (await (await get(routes.apiSpec)).json()) as { paths: Record<string, Record<string, any>> }
    const op = spec.paths['/api/agents/{agent_id}']!.get
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(['agent_id', 'kind', 'errors', 'cursor', 'limit'])
    expect(op.parameters[0].schema.maxLength).toBe(200)
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '404']))
    expect(op.description).toContain('replay_truncated')
  })
})

describe('refusals and hostile ids', () => {
  it('answers 404 with the reason for an agent never stored: HTML for the page, JSON for the API', async () => {
    const page = await get(routes.agent('never-seen'))
    expect(page.status).toBe(404)
    expect(page.headers.get('content-type')).toStartWith('text/html')
    expect(await page.text()).toContain('no agent &quot;never-seen&quot; has been stored')
    const api = await json(routes.agentApi('never-seen'))
    expect(api).toEqual({ status: 404, body: { error: 'no agent "never-seen" has been stored' } })
    expect((await get(routes.agentEvents('never-seen'))).status).toBe(404)
  })

  it('needs the token like every read, when one is set', async () => {
    const guarded = await startTestServer({ listen: false, token: 'page-token' })
    try {
      for (const path of [routes.agent(WRITER), routes.agentEvents(WRITER), routes.agentApi(WRITER)]) expect([path, (await guarded.app.handle(req(path))).status]).toEqual([path, 401])
      expect((await guarded.app.handle(req(routes.agentApi('nobody'), { headers: { authorization: 'Bearer page-token' } }))).status).toBe(404)
    } finally {
      await guarded.stop()
    }
  })

  it('answers a bad query on the page with a 400 page saying why', async () => {
    const res = await get(`${routes.agent(WRITER)}?limit=9999`)
    expect(res.status).toBe(400)
    expect(res.headers.get('content-type')).toStartWith('text/html')
    expect(await res.text()).toContain('query.limit must be a whole number from 1 to 500')
  })

  it('serves __proto__, constructor, emoji and markup ids as any other, escaped everywhere', async () => {
    const hostile = ['__proto__', 'constructor', '🦀 agent', '"><img src=x onerror=alert(1)>', 'a/b?c#d']
    await ingest(hostile.map((id) => ev('tool', 'called', id, { tool: '<b>t</b>', args: '</pre><script>alert(1)</script>' })))
    for (const id of hostile) {
      const res = await get(routes.agent(id))
      expect([id, res.status]).toEqual([id, 200])
      const html = await res.text()
      expect(html).not.toContain('<img src=x')
      expect(html).not.toContain('<script>alert')
      expect(html).not.toContain('<b>t</b>')
      const api = await json(routes.agentApi(id))
      expect(api.body.agent.agent_id).toBe(id)
      expect(api.body.steps.steps[0].input).toBe('</pre><script>alert(1)</script>')
    }
    // an id no route can take is a 400, not a crash
    expect((await get(routes.agent('bell\u0007'))).status).toBe(400)
    expect((await json(routes.agentApi('x'.repeat(201)))).status).toBe(400)
  })
})

describe('an agent no longer in memory', () => {
  it('is served from the store: its page, its error in full, its steps, and the JSON saying so', async () => {
    const small = await startTestServer({ listen: false, maxAgents: 2 })
    try {
      const error = 'pytest exit 1\nFAILED tests/test_api.py::test_retry - AssertionError: 503 != 200\n' + 'trace line\n'.repeat(300)
      const events = [
        ev('agent', 'started', 'gone', { name: 'Tester' }),
        ev('tool', 'called', 'gone', { tool: 'pytest', call_id: 't1', args: ['-x', 'tests/'] }),
        ev('tool', 'failed', 'gone', { tool: 'pytest', call_id: 't1', error: 'exit 1' }),
        ev('agent', 'failed', 'gone', { error }),
        ...['b', 'c', 'd'].map((id) => ev('agent', 'started', id)),
      ]
      expect((await small.app.handle(post(routes.ingest, events))).status).toBe(202)
      await small.store.flushed()
      expect(small.dashboard.agents.get('gone')).toBeUndefined()
      const res = await small.app.handle(req(routes.agent('gone')))
      expect(res.status).toBe(200)
      const html = await res.text()
      expect(html).toContain('<span class="agent-name">Tester</span>')
      expect(html).toContain('<strong class="state">Failed</strong>')
      expect(html).toContain(`<pre>${error}</pre>`)
      expect(html).toContain('rebuilt from its stored events')
      expect(html).toContain('<pre class="step-error">exit 1</pre>')
      const api = (await (await small.app.handle(req(routes.agentApi('gone')))).json()) as Record<string, any>
      expect(api.agent).toMatchObject({ agent_id: 'gone', name: 'Tester', state: 'failed', error, source: 'store', turn: 1, tool_calls: 1 })
      expect(api.steps.total).toBe(1)
    } finally {
      await small.stop()
    }
  })
})

describe('the agent page stream', () => {
  it('starts with the page parts, then patches a new step and the answered question', async () => {
    const agent = 'streamed'
    await ingest([ev('agent', 'started', agent), ev('agent', 'blocked', agent, { msg_id: 'q-stream', question: 'Go on?' })])
    const abort = new AbortController()
    const res = await s.app.handle(req(routes.agentEvents(agent), { signal: abort.signal }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const first = await readUntil(res, (t) => t.includes(ids.agentSteps))
    expect(first).toContain(`id="${ids.agentHead}"`)
    expect(first).toContain('Go on?')
    const answered = await s.app.handle(post(routes.respond(agent), { msg_id: 'q-stream', answer: 'yes', answered_by: 'Ann' }))
    expect(answered.status).toBe(200)
    const later = await readUntil(res, (t) => t.includes('Answered by Ann'))
    expect(later).toContain(`id="${ids.agentQuestions}"`)
    expect(later).toContain('<strong class="state">Answer received</strong>')
    abort.abort()
  })
})
