// The inspector: its log of what XState reports, the statechart SVG, the pages, time travel, escaping, the live stream.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createActor } from 'xstate'
import { FACT_CHARS } from '../src/inspector/entry-facts'
import { Inspector, ROOT_KEY, agentKey } from '../src/inspector/inspector'
import { INLINE_CHARS } from '../src/views/inspector/inspect-parts'
import { machineLayout } from '../src/inspector/machine-graph'
import { withStately } from '../src/inspector/stately'
import { AGENT_STATES, agentMachine } from '../src/machines/agent.machine'
import { createDashboard } from '../src/machines/dashboard'
import { dashboardMachine } from '../src/machines/dashboard.machine'
import { makeEvent } from '../src/protocol/event'
import { ids, routes } from '../src/views/targets'
import { readUntil, startTestServer, type TestServer } from './support/server'
import { post } from './support/http'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ stream: { flushMs: 10 } })
})
afterAll(async () => {
  await server?.stop()
})

let seq = 0
const ev = (agent_id: string, category: string, action: string, payload: Record<string, unknown> = {}) =>
  ({ id: `insp-${++seq}`, timestamp: Date.now(), category, action, agent_id, payload })

/** Ingest over HTTP; the bus and the actors are synchronous, so the inspector has it when the 202 arrives. */
async function ingest(...events: unknown[]) {
  const res = await fetch(post(`${server.url}${routes.ingest}`, events))
  expect(res.status).toBe(202)
}

const page = async (path: string) => {
  const res = await fetch(server.url + path)
  return { status: res.status, html: await res.text() }
}
const currentStates = (html: string) => [...html.matchAll(/class="state-node[^"]*\bcurrent\b[^"]*" data-state="([^"]+)"/g)].map((m) => m[1])
const drawnStates = (html: string) => [...html.matchAll(/class="state-node[^"]*" data-state="([^"]+)"/g)].map((m) => m[1])
const contextPanel = (html: string) => html.slice(html.indexOf(`id="${ids.inspectContext}"`))
const sequence = (html: string) => [...html.matchAll(/<code class="ev">([^<]*)<\/code>/g)].map((m) => m[1])

describe('Inspector (the observer)', () => {
  it('logs each event an actor receives with the state before and after, in order', () => {
    const inspector = new Inspector()
    const actor = createActor(agentMachine, { input: { agent_id: 'x' }, inspect: inspector.observe }).start()
    actor.send({ type: 'AGENT_STARTED' } as never)
    actor.send({ type: 'TOOL_CALLED' } as never)
    actor.send({ type: 'AGENT_COMPLETED' } as never)
    const log = inspector.get(ROOT_KEY)!.log
    expect(log.map((e) => [e.seq, e.type, e.before, e.after])).toEqual([
      [1, 'xstate.init', undefined, 'idle'],
      [2, 'AGENT_STARTED', 'idle', 'running'],
      [3, 'TOOL_CALLED', 'running', 'running'],
      [4, 'AGENT_COMPLETED', 'running', 'done'],
    ])
    expect((log[2]!.context as { tool_calls: number }).tool_calls).toBe(1)
  })

  it('keeps at most `limit` entries per actor, numbering on', () => {
    const inspector = new Inspector({ limit: 3 })
    const actor = createActor(agentMachine, { input: { agent_id: 'x' }, inspect: inspector.observe }).start()
    for (let i = 0; i < 10; i++) actor.send({ type: 'MODEL_REQUEST' } as never)
    const record = inspector.get(ROOT_KEY)!
    expect(record.log.map((e) => e.seq)).toEqual([9, 10, 11])
    expect(record.received).toBe(11)
  })

  it('remembers at most `actorLimit` actors, forgetting finished ones first and never the root', () => {
    const inspector = new Inspector({ actorLimit: 3 })
    const dashboard = createDashboard({ inspect: inspector.observe })
    const publish = (agent_id: string, action: string) =>
      dashboard.apply(makeEvent('agent', action, { id: `lim-${++seq}`, timestamp: Date.UTC(2026, 0, 1), agent_id }))
    publish('done-early', 'started')
    publish('done-early', 'completed')
    publish('busy', 'started')
    publish('newcomer', 'started')
    expect(inspector.list().map((r) => r.key)).toEqual([ROOT_KEY, agentKey('busy'), agentKey('newcomer')])
  })
})

describe('machine layout', () => {
  it('has a box for every state, final ones marked, and is computed once per definition', async () => {
    const layout = await machineLayout(agentMachine)
    expect(layout.states.map((s) => s.id).sort()).toEqual(AGENT_STATES.map((s) => `agent.${s}`).sort())
    expect(layout.states.filter((s) => s.final).map((s) => s.id).sort()).toEqual(['agent.cancelled', 'agent.done', 'agent.failed', 'agent.skipped'])
    expect(layout.edges.every((e) => e.points.length >= 2)).toBe(true)
    expect(machineLayout(agentMachine)).toBe(machineLayout(agentMachine))
  })
})

describe('inspector pages', () => {
  it('draws a node for every state of the agent machine and marks exactly one current; an ingested event moves the mark', async () => {
    await ingest(ev('mover', 'agent', 'started'))
    const before = await page(routes.inspect('mover'))
    expect(before.status).toBe(200)
    expect(drawnStates(before.html).sort()).toEqual(AGENT_STATES.map((s) => `agent.${s}`).sort())
    expect(currentStates(before.html)).toEqual(['agent.running'])
    expect(before.html).toContain('class="state-node final')

    await ingest(ev('mover', 'agent', 'blocked', { msg_id: 'mv1', question: 'go?' }))
    const after = await page(routes.inspect('mover'))
    expect(currentStates(after.html)).toEqual(['agent.blocked'])
    // The transition just taken is emphasised.
    expect(after.html).toMatch(/<g class="edge last" data-source="agent.running" data-target="agent.blocked">/)
  })

  it('lists an actor’s events newest first, with state before → after', async () => {
    await ingest(ev('seq', 'agent', 'started'), ev('seq', 'tool', 'called', { tool: 'grep' }), ev('seq', 'agent', 'completed'))
    const { html } = await page(routes.inspect('seq'))
    expect(sequence(html)).toEqual(['AGENT_COMPLETED', 'TOOL_CALLED', 'AGENT_STARTED', 'xstate.init'])
    expect(html).toContain('<span>running</span> → <span>done</span>')
    expect(html).toContain(`id="${ids.inspectEntry(4)}"`)
  })

  it('time travel: an earlier entry shows the state and context as they were right after it', async () => {
    await ingest(ev('tt', 'agent', 'started'), ev('tt', 'tool', 'called', { tool: 'sed' }), ev('tt', 'agent', 'failed', { error: 'boom' }))
    const live = await page(routes.inspect('tt'))
    expect(currentStates(live.html)).toEqual(['agent.failed'])
    expect(live.html).toContain(routes.inspectAt(routes.inspect('tt'), 2))
    const earlier = await page(routes.inspectAt(routes.inspect('tt'), 2))
    expect(earlier.status).toBe(200)
    expect(currentStates(earlier.html)).toEqual(['agent.running'])
    expect(earlier.html).toContain('&quot;tool_calls&quot;: 0')
    // The sequence still lists the later failure; the context is the agent's as of entry 2.
    expect(contextPanel(earlier.html)).not.toContain('boom')
    expect(earlier.html).toContain(`class="entry selected moved"`)
    // A still: no stream is started, so nothing moves it back to live.
    expect(earlier.html).not.toContain(ids.inspectStream)
    expect((await page(routes.inspectAt(routes.inspect('tt'), 3))).html).toContain('&quot;tool_calls&quot;: 1')
    expect((await page(routes.inspectAt(routes.inspect('tt'), 99))).status).toBe(404)
  })

  it('shows what each event carried: a tool’s arguments and result, a model’s tokens, the question and the answer', async () => {
    await ingest(
      ev('says', 'agent', 'started'),
      ev('says', 'tool', 'called', { tool: 'grep', args: { pattern: 'TODO', path: 'src/' } }),
      ev('says', 'tool', 'completed', { tool: 'grep', result: '3 matches in src/a.ts' }),
      ev('says', 'model', 'response', { model: 'm-1', input_tokens: 120, output_tokens: 30 }),
      ev('says', 'agent', 'blocked', { msg_id: 'says-q', question: 'Deploy to <prod>?' }),
      ev('says', 'agent', 'resumed', { msg_id: 'says-q', answer: 'yes, go' }),
    )
    const { html } = await page(routes.inspect('says'))
    const list = html.slice(html.indexOf(`id="${ids.inspectSequence}"`), html.indexOf(`id="${ids.inspectContext}"`))
    expect(list).toContain('<span class="what">called grep</span>')
    expect(list).toContain('<dt>arguments</dt><dd><span class="fact-text">{&quot;pattern&quot;:&quot;TODO&quot;,&quot;path&quot;:&quot;src/&quot;}</span>')
    expect(list).toContain('<dt>result</dt><dd><span class="fact-text">3 matches in src/a.ts</span>')
    expect(list).toContain('<span class="what">m-1 answered</span>')
    expect(list).toContain('120 in · 30 out')
    expect(list).toContain('<dt>question</dt><dd><span class="fact-text">Deploy to &lt;prod&gt;?</span>')
    expect(list).toContain('<dt>answer</dt><dd><span class="fact-text">yes, go</span>')
    expect(html).toContain(`href="${routes.agent('says')}"`)
  })

  it('cuts a long value on its line, keeps it when expanded, and says how much more the agent page has', async () => {
    const long = `${'a'.repeat(FACT_CHARS)}${'b'.repeat(500)}`
    await ingest(ev('long', 'agent', 'started'), ev('long', 'tool', 'failed', { tool: 'pytest', error: long }))
    const { html } = await page(routes.inspect('long'))
    expect(html).toContain(`<summary class="fact-text"><span>${'a'.repeat(INLINE_CHARS)}</span>…</summary>`)
    expect(html).toContain(`<pre>${'a'.repeat(FACT_CHARS)}</pre>`)
    expect(html).not.toContain('aaaaab')
    expect(html).toContain(`… <span>500</span> more characters: the whole on <a href="${routes.agent('long')}">`)
  })

  it('shows the context as labelled facts, the question waited on in words, the raw JSON behind a disclosure', async () => {
    await ingest(
      ev('facts', 'agent', 'started'),
      ev('facts', 'tool', 'called', { tool: 'make' }),
      ev('facts', 'model', 'response', { model: 'm-2', input_tokens: 1000, output_tokens: 234 }),
      ev('facts', 'agent', 'blocked', { msg_id: 'facts-q', question: 'Ship it?' }),
    )
    const context = contextPanel((await page(routes.inspect('facts'))).html)
    expect(context).toContain('<dt>state</dt><dd><span class="fact-text">Waiting for answer (blocked)</span>')
    expect(context).toContain('<dt>turn</dt><dd><span class="fact-text">1</span>')
    expect(context).toContain('<dt>tool calls</dt><dd><span class="fact-text">1</span>')
    expect(context).toContain('<dt>tokens</dt><dd><span class="fact-text">1,234 (1,000 in · 234 out)</span>')
    expect(context).toContain('<dt>waiting on</dt><dd><span class="fact-text">Ship it?</span>')
    expect(context.indexOf('<details class="raw">')).toBeLessThan(context.indexOf('&quot;awaiting&quot;: &quot;facts-q&quot;'))
    expect(context.indexOf('<details class="raw">')).toBeGreaterThan(context.indexOf('<dt>waiting on</dt>'))
  })

  it('escapes hostile agent ids and payloads on every inspector page', async () => {
    const hostile = `<script>alert(1)</script>"'`
    await ingest(ev(hostile, 'agent', 'started', { name: hostile }), ev(hostile, 'agent', 'failed', { error: `<img src=x onerror=alert(2)>` }))
    for (const path of [routes.inspect(hostile), routes.inspect(), routes.inspectAt(routes.inspect(hostile), 1), routes.inspect(`${hostile}-missing`)]) {
      const { html } = await page(path)
      expect(html).not.toContain('<script>alert')
      expect(html).not.toContain('<img src=x')
    }
    const { status, html } = await page(routes.inspect(hostile))
    expect(status).toBe(200)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;')
  })

  it('lists every actor, the dashboard root first, each linking to its page', async () => {
    await ingest(ev('listed', 'agent', 'started'))
    const { html } = await page(routes.inspect())
    expect(html.indexOf(routes.inspectRoot)).toBeGreaterThan(-1)
    expect(html.indexOf(routes.inspectRoot)).toBeLessThan(html.indexOf(routes.inspect('listed')))
    expect(html).toContain('href="/"')
  })

  it('draws the dashboard root machine on its own page', async () => {
    const { status, html } = await page(routes.inspectRoot)
    expect(status).toBe(200)
    expect(currentStates(html)).toEqual(['dashboard.live'])
    expect(sequence(html)).toContain('AGENT_STARTED')
    expect(server.inspector.get(ROOT_KEY)?.logic).toBe(dashboardMachine)
  })

  // Found on main: the root page listed machine event types only, its graphs Map as `{}` and its times as epoch numbers.
  it('names each of the root’s events by wire name and agent, and shows its context readably', async () => {
    const at = Date.UTC(2026, 10, 25, 12, 30, 5, 250)
    await ingest({ id: 'insp-graph', timestamp: at, category: 'graph', action: 'started', graph_id: 'g-readable', payload: { agents: [{ agent_id: 'w-1' }] } })
    await ingest({ ...ev('w-1', 'agent', 'started'), timestamp: at })
    const { html } = await page(routes.inspectRoot)
    const sources = [...html.matchAll(/<span class="src">([^<]*)<\/span>/g)].map((m) => m[1])
    expect(sources.slice(0, 2)).toEqual(['agent:started · w-1', 'graph:started'])
    // the graphs Map as its entries, times as ISO strings
    expect(html).toContain('&quot;g-readable&quot;: {')
    expect(html).toContain('&quot;timestamp&quot;: &quot;2026-11-25T12:30:05.250Z&quot;')
    expect(html).not.toContain('xstate$$type')
  })

  it('answers an unknown agent with a 404 page that links back', async () => {
    const { status, html } = await page(routes.inspect('nobody-here'))
    expect(status).toBe(404)
    expect(html).toContain('href="/"')
    expect(html).toContain(`href="${routes.inspect()}"`)
    expect((await fetch(`${server.url}${routes.inspectEvents(routes.inspect('nobody-here'))}`)).status).toBe(404)
  })
})

describe('inspector stream', () => {
  it('sends the current diagram first, then moves the mark when the agent’s state changes', async () => {
    await ingest(ev('live', 'agent', 'started'))
    const ctl = new AbortController()
    const res = await fetch(`${server.url}${routes.inspectEvents(routes.inspect('live'))}`, { signal: ctl.signal })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const first = await readUntil(res, (t) => t.includes(ids.inspectSequence))
    expect(first).toMatch(/state-node current" data-state="agent.running"/)
    await ingest(ev('live', 'agent', 'completed'))
    const next = await readUntil(res, (t) => t.includes('data-state="agent.done"') && /state-node final current" data-state="agent.done"/.test(t))
    expect(next).toContain(`selector #${ids.inspectSequence}`)
    expect(next).toContain('AGENT_COMPLETED')
    // Regression: the dashboard stream used to broadcast its panels to every hub key, the inspector's included.
    expect(next).not.toContain(`#${ids.summary}`)
    expect(next).not.toContain(`id="${ids.summary}"`)
    ctl.abort()
    expect(server.inspector.get(agentKey('live'))?.received).toBe(3)
  })

  it('keeps the actor index live: a new agent and its state change reach an open index page', async () => {
    const ctl = new AbortController()
    const res = await fetch(`${server.url}${routes.inspectIndexEvents}`, { signal: ctl.signal })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const first = await readUntil(res, (t) => t.includes(`id="${ids.inspectActors}"`))
    expect(first).not.toContain('index-newcomer')
    await ingest(ev('index-newcomer', 'agent', 'started'))
    const next = await readUntil(res, (t) => t.includes('index-newcomer'))
    expect(next).toContain(`<table id="${ids.inspectActors}"`)
    expect(next).toContain('index-newcomer</a></td><td class="state-running">running</td>')
    ctl.abort()
  })
})

describe('--inspect=stately', () => {
  it('says in one line that @statelyai/inspect is missing and keeps the built-in observer', async () => {
    const lines: string[] = []
    const local = () => {}
    expect(await withStately(local, true, (l) => lines.push(l))).toBe(local)
    expect(lines).toEqual(['inspect=stately: @statelyai/inspect not available (offline?) — using the built-in inspector'])
    expect(await withStately(local, false, (l) => lines.push(l))).toBe(local)
    expect(lines.length).toBe(1)
  })
})
