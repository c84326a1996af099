// The inspector for agents no longer in memory: rebuilt from their stored events, time travel on them, going live again, hostile ids, 404s.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { agentKey, DEFAULT_ACTOR_LIMIT } from '../src/inspector/inspector'
import { ids, routes } from '../src/views/targets'
import { readUntil, startTestServer, type TestServer } from './support/server'
import { post } from './support/http'

let seq = 0
const ev = (agent_id: string, category: string, action: string, payload: Record<string, unknown> = {}) =>
  ({ id: `st-${++seq}`, timestamp: Date.now(), category, action, agent_id, payload })

const currentStates = (html: string) => [...html.matchAll(/class="state-node[^"]*\bcurrent\b[^"]*" data-state="([^"]+)"/g)].map((m) => m[1])
const sequence = (html: string) => [...html.matchAll(/<code class="ev">([^<]*)<\/code>/g)].map((m) => m[1])
const contextPanel = (html: string) => html.slice(html.indexOf(`id="${ids.inspectContext}"`))

function client(server: () => TestServer) {
  return {
    /** Ingest over HTTP: a 202 means stored, so a rebuild reads it. */
    async ingest(...events: unknown[]) {
      const res = await fetch(post(`${server().url}${routes.ingest}`, events))
      expect(res.status).toBe(202)
    },
    async page(path: string) {
      const res = await fetch(server().url + path)
      return { status: res.status, html: await res.text() }
    },
  }
}

describe('inspector: an agent the roster let go (SWITCHBOARD_MAX_AGENTS)', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ maxAgents: 2, stream: { flushMs: 10 } })
  })
  afterAll(async () => {
    await server?.stop()
  })
  const { ingest, page } = client(() => server)
  /** Two newcomers push the agents before them out of memory (ended ones first). */
  let crowd = 0
  const crowdOut = () => ingest(ev(`crowd-${++crowd}`, 'agent', 'started'), ev(`crowd-${++crowd}`, 'agent', 'started'))

  it('is rebuilt from its stored events: its state lit, what it received, what each carried', async () => {
    await ingest(
      ev('gone', 'agent', 'started'),
      ev('gone', 'tool', 'called', { tool: 'grep', args: { pattern: 'TODO' } }),
      ev('gone', 'tool', 'completed', { tool: 'grep', result: '3 matches' }),
      ev('gone', 'agent', 'completed', { result: 'all done' }),
    )
    await crowdOut()
    expect(server.dashboard.agents.get('gone')).toBeUndefined()
    expect(server.inspector.get(agentKey('gone'))).toBeUndefined()
    const { status, html } = await page(routes.inspect('gone'))
    expect(status).toBe(200)
    expect(html).toContain('not in memory: rebuilt from <span>4</span> stored events')
    expect(currentStates(html)).toEqual(['agent.done'])
    expect(sequence(html)).toEqual(['AGENT_COMPLETED', 'TOOL_COMPLETED', 'TOOL_CALLED', 'AGENT_STARTED', 'xstate.init'])
    expect(html).toContain('<dt>arguments</dt><dd><span class="fact-text">{&quot;pattern&quot;:&quot;TODO&quot;}</span>')
    expect(html).toContain('<dt>result</dt><dd><span class="fact-text">3 matches</span>')
    expect(contextPanel(html)).toContain('<dt>state</dt><dd><span class="fact-text">Done (done)</span>')
    // Its stream opens, to go live if the agent acts again.
    expect(html).toContain(ids.inspectStream)
  })

  it('travels in time on the rebuilt sequence', async () => {
    await ingest(ev('tt-gone', 'agent', 'started'), ev('tt-gone', 'tool', 'called', { tool: 'sed' }), ev('tt-gone', 'agent', 'failed', { error: 'sed: no input' }))
    await crowdOut()
    expect(server.dashboard.agents.get('tt-gone')).toBeUndefined()
    const earlier = await page(routes.inspectAt(routes.inspect('tt-gone'), 2))
    expect(earlier.status).toBe(200)
    expect(currentStates(earlier.html)).toEqual(['agent.running'])
    expect(earlier.html).toContain('after <strong>#2</strong>')
    expect(sequence(earlier.html)).toEqual(['AGENT_STARTED', 'xstate.init'])
    expect(contextPanel(earlier.html)).toContain('<dt>tool calls</dt><dd><span class="fact-text">0</span>')
    expect(earlier.html).not.toContain(ids.inspectStream)
    const last = await page(routes.inspectAt(routes.inspect('tt-gone'), 4))
    expect(currentStates(last.html)).toEqual(['agent.failed'])
    expect(contextPanel(last.html)).toContain('<dt>error</dt><dd><span class="fact-text">sed: no input</span>')
    const beyond = await page(routes.inspectAt(routes.inspect('tt-gone'), 5))
    expect(beyond.status).toBe(404)
    expect(beyond.html).toContain('Entry #5 of &quot;tt-gone&quot; is not there: it has received 4.')
    for (const at of ['abc', '-1', '1e3', '9'.repeat(40)]) expect((await page(`${routes.inspect('tt-gone')}?at=${at}`)).status).toBe(404)
  })

  it('answers an id nothing stored names with a 404 that says why, page and stream', async () => {
    const { status, html } = await page(routes.inspect('never-seen'))
    expect(status).toBe(404)
    expect(html).toContain('No agent &quot;never-seen&quot;: it is not in memory, and no stored event names it.')
    expect((await fetch(`${server.url}${routes.inspectEvents(routes.inspect('never-seen'))}`)).status).toBe(404)
  })

  it('rebuilds hostile ids, escaped, each on its own page', async () => {
    const hostile = ['__proto__', 'constructor', '<img src=x onerror=alert(1)>', '"quoted"&amp;', '🦀 agent', 'x'.repeat(200), 'a/b', '%2e%2e']
    await ingest(...hostile.flatMap((id) => [ev(id, 'agent', 'started', { name: '<script>alert("name")</script>' }), ev(id, 'agent', 'failed', { error: `<b>${id}</b>` })]))
    await crowdOut()
    for (const id of hostile) {
      expect(server.dashboard.agents.get(id)).toBeUndefined()
      const { status, html } = await page(routes.inspect(id))
      expect(status).toBe(200)
      expect(html).toContain('rebuilt from <span>2</span> stored events')
      expect(currentStates(html)).toEqual(['agent.failed'])
      expect(html).not.toContain('<script>alert')
      expect(html).not.toContain('<img src=x')
      expect(html).not.toContain('<b>')
      expect(html).toContain(`href="${routes.agent(id)}"`)
    }
  })
})

describe('inspector: an agent its own memory let go while the actor lives on', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ stream: { flushMs: 10 } })
  })
  afterAll(async () => {
    await server?.stop()
  })
  const { ingest, page } = client(() => server)

  it('is rebuilt while forgotten, and goes live on its open page when it acts again', async () => {
    await ingest(ev('first', 'agent', 'started'), ev('first', 'tool', 'called', { tool: 'plan' }))
    await ingest(...Array.from({ length: DEFAULT_ACTOR_LIMIT }, (_, i) => ev(`later-${i}`, 'agent', 'started')))
    expect(server.dashboard.agents.get('first')).toBeDefined()
    expect(server.inspector.get(agentKey('first'))).toBeUndefined()
    const rebuilt = await page(routes.inspect('first'))
    expect(rebuilt.html).toContain('not in memory: rebuilt from <span>2</span> stored events')

    const ctl = new AbortController()
    const res = await fetch(`${server.url}${routes.inspectEvents(routes.inspect('first'))}`, { signal: ctl.signal })
    expect(res.status).toBe(200)
    await ingest(ev('first', 'tool', 'completed', { tool: 'plan', result: 'three steps' }))
    const frame = await readUntil(res, (t) => t.includes(ids.inspectSequence) && t.includes('three steps'))
    expect(frame).toContain('live · 1 events received since it acted again')
    expect(frame).toContain('<span class="what">plan returned</span>')
    ctl.abort()
    // Viewed again, it takes its earlier events back from the store: the whole sequence, live.
    const live = await page(routes.inspect('first'))
    expect(live.html).toContain('live · 4 events received')
    expect(sequence(live.html)).toEqual(['TOOL_COMPLETED', 'TOOL_CALLED', 'AGENT_STARTED', 'xstate.init'])
    expect(live.html).not.toContain('rebuilt from')
  })
  it('shows a rebuilt blocked agent’s question in words', async () => {
    // A question holds its agent in the roster (a person is acting on it); the inspector forgets it all the same.
    await ingest(ev('asks', 'agent', 'started'), ev('asks', 'agent', 'blocked', { msg_id: 'asks-q', question: 'Which region?', options: ['eu', 'us'] }))
    await ingest(...Array.from({ length: DEFAULT_ACTOR_LIMIT }, (_, i) => ev(`after-asks-${i}`, 'agent', 'started')))
    expect(server.inspector.get(agentKey('asks'))).toBeUndefined()
    const { html } = await page(routes.inspect('asks'))
    expect(html).toContain('not in memory: rebuilt from <span>2</span> stored events')
    expect(currentStates(html)).toEqual(['agent.blocked'])
    expect(html).toContain('<dt>question</dt><dd><span class="fact-text">Which region?</span>')
    expect(html).toContain('<dt>options</dt><dd><span class="fact-text">eu · us</span>')
    expect(contextPanel(html)).toContain('<dt>waiting on</dt><dd><span class="fact-text">Which region?</span>')
  })

  // A viewer already on the page had the old record's entries: the new record's #1 is not "newer" than them.
  it('sends the whole page to a viewer watching an agent the inspector forgot and remembered anew', async () => {
    await ingest(ev('watched', 'agent', 'started'), ev('watched', 'tool', 'called', { tool: 'a' }), ev('watched', 'tool', 'called', { tool: 'b' }))
    const ctl = new AbortController()
    const res = await fetch(`${server.url}${routes.inspectEvents(routes.inspect('watched'))}`, { signal: ctl.signal })
    await readUntil(res, (t) => t.includes(ids.inspectSequence))
    await ingest(...Array.from({ length: DEFAULT_ACTOR_LIMIT }, (_, i) => ev(`after-watched-${i}`, 'agent', 'started')))
    expect(server.inspector.get(agentKey('watched'))).toBeUndefined()
    await ingest(ev('watched', 'tool', 'called', { tool: 'comes-back' }))
    const frame = await readUntil(res, (t) => t.includes('called comes-back'))
    expect(frame).toContain(`<ol id="${ids.inspectSequence}"`)
    ctl.abort()
  })

  // Taking every forgotten agent back cost each event of a 10,000-agent swarm an entry and another's eviction.
  it('leaves a forgotten agent acting again with no page open to be rebuilt when asked', async () => {
    await ingest(ev('unwatched', 'agent', 'started'))
    await ingest(...Array.from({ length: DEFAULT_ACTOR_LIMIT }, (_, i) => ev(`after-unwatched-${i}`, 'agent', 'started')))
    await ingest(ev('unwatched', 'tool', 'called', { tool: 'quiet' }))
    expect(server.inspector.get(agentKey('unwatched'))).toBeUndefined()
    const { html } = await page(routes.inspect('unwatched'))
    expect(html).toContain('not in memory: rebuilt from <span>2</span> stored events')
    expect(html).toContain('<span class="what">called quiet</span>')
  })
})
