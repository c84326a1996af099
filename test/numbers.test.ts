// One set of numbers (issue 23): the header, the agent panel, the runs list, a run's page, its graph and the snapshot
// count the same agents alike; a blocked agent is counted blocked wherever it is shown; a badge and its card agree on
// the time; cards name their run. Each case below was a disagreement measured on main.
import { afterEach, describe, expect, it } from 'bun:test'
import { startTestServer, type TestServer, type TestServerOptions } from './support/server'
import { post, req } from './support/http'
import { clock } from '../src/views/format'
import { runRoutes } from '../src/server/routes/runs'
import { loadAssets } from '../src/server/assets'
import { RunGraphStream } from '../src/live/run-graph-stream'

const T = 1_764_057_600_000
let s: TestServer | undefined
afterEach(async () => {
  await s?.stop()
  s = undefined
})

async function server(options: Partial<TestServerOptions> = {}) {
  s = await startTestServer({ listen: false, ...options })
  return s
}

let n = 0
const ev = (category: string, action: string, fields: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) => ({
  id: `e${++n}`,
  timestamp: T + n,
  category,
  action,
  ...fields,
  payload,
})

async function send(events: unknown[]) {
  for (let i = 0; i < events.length; i += 5_000) {
    const res = await s!.app.handle(post('/api/events', events.slice(i, i + 5_000)))
    expect(res.status).toBe(202)
  }
}

async function page(path: string): Promise<string> {
  const res = await s!.app.handle(req(path))
  expect(res.status).toBe(200)
  return res.text()
}

/** The text a reader sees in a part of the page: tags gone, entities of digits kept as they are. */
const words = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ')
const section = (html: string, id: string) => {
  const at = html.indexOf(`id="${id}"`)
  expect(at).toBeGreaterThan(-1)
  return html.slice(at, html.indexOf('</section>', at) === -1 ? undefined : html.indexOf('</section>', at))
}
/** "630 running" → 630, in the words of a piece of the page. */
const counted = (text: string, what: string): number | undefined => {
  const m = new RegExp(`(\\d[\\d,]*) ${what}\\b`).exec(text)
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined
}
/** "Running 630" in the panel's counts. */
const panelCount = (html: string, label: string): number | undefined => {
  const m = new RegExp(`${label} (\\d[\\d,]*)`).exec(words(section(html, 'agents-counts').split('</p>')[0]!))
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined
}

const header = (html: string) => {
  const text = words(section(html, 'summary'))
  const total = /\d+ ?\/ ?(\d+) completed/.exec(text)
  return { total: Number(total?.[1]), running: counted(text, 'running'), blocked: counted(text, 'blocked'), failed: counted(text, 'failed') }
}

/** The runs table, one record per row keyed by its column's heading. */
const runRows = (html: string): Array<Record<string, string>> => {
  const cells = (row: string, tag: string) => [...row.matchAll(new RegExp(`<${tag}[^>]*>([\\s\\S]*?)</${tag}>`, 'g'))].map((m) => words(m[1]!).trim())
  const heads = cells(html.split('<thead>')[1]!.split('</thead>')[0]!, 'th')
  return html.split('<tbody>')[1]!.split('</tbody>')[0]!.split('</tr>').slice(0, -1).map((row) => Object.fromEntries(cells(row, 'td').map((c, i) => [heads[i]!, c])))
}

const ask = async (body: Record<string, unknown>) => {
  const res = await s!.app.handle(post('/api/questions', body))
  expect(res.status).toBe(201)
  return ((await res.json()) as { msg_id: string }).msg_id
}
const answer = async (agentId: string, msgId: string) => expect((await s!.app.handle(post(`/agent/${agentId}/respond`, { msg_id: msgId, answer: 'yes' }))).status).toBe(200)

describe('one set of numbers', () => {
  it('counts an agent with its answer received as running in the header and in the panel alike', async () => {
    await server()
    const ids = Array.from({ length: 120 }, (_, i) => `a${i}`)
    await send(ids.map((id) => ev('agent', 'started', { agent_id: id })))
    for (const id of ids.slice(0, 20)) await answer(id, await ask({ agent_id: id, question: 'Go on?' }))
    const html = await page('/')
    expect(header(html).running).toBe(120)
    expect(panelCount(html, 'Running')).toBe(120)
  })

  it('lists a run with every agent its graph announced, as its page counts them', async () => {
    await server()
    const g = { graph_id: 'g1' }
    await send([ev('graph', 'started', g, { agents: ['a', 'b', 'c', 'd', 'e'].map((agent_id) => ({ agent_id })) }), ev('agent', 'started', { agent_id: 'a', ...g }), ev('agent', 'started', { agent_id: 'b', ...g })])
    expect(runRows(await page('/runs'))[0]).toMatchObject({ run: 'g1', agents: '5' })
    expect(header(await page('/runs/g1')).total).toBe(5)
  })

  it("counts on a run's page the events of its agents that carry no graph_id, as the header does", async () => {
    await server()
    await send([ev('graph', 'started', { graph_id: 'g1' }, { agents: [{ agent_id: 'a' }, { agent_id: 'b' }, { agent_id: 'c' }] }), ev('agent', 'started', { agent_id: 'a' }), ev('agent', 'started', { agent_id: 'b' })])
    await ask({ agent_id: 'b', question: 'Ship it?' })
    const home = header(await page('/'))
    expect(home).toMatchObject({ total: 3, running: 1, blocked: 1 })
    expect(header(await page('/runs/g1'))).toEqual(home)
  })

  it('counts an agent blocked after it left memory (SWITCHBOARD_MAX_AGENTS) as blocked: its card is shown', async () => {
    await server({ maxAgents: 10 })
    const ids = Array.from({ length: 11 }, (_, i) => `a${i}`)
    for (const id of ids.slice(0, 10)) await ask({ agent_id: id, question: `Question for ${id}?` })
    await send([ev('agent', 'started', { agent_id: 'a10' })])
    const html = await page('/')
    expect(html.match(/<article id="card-/g)?.length).toBe(10)
    expect(header(html)).toMatchObject({ blocked: 10, running: 1, total: 11 })
    const snapshot = (await (await s!.app.handle(req('/api/snapshot'))).json()) as { blocked: unknown[]; progress?: { blocked: number } }
    expect(snapshot.progress?.blocked).toBe(10)
  })

  it('shows a badge and its card the same time for the same question', async () => {
    await server()
    // The agent's events carry its own clock (here a year behind): the badge counted from the event, the card from the record.
    await send([ev('agent', 'started', { agent_id: 'a', graph_id: 'g1' }), ev('agent', 'blocked', { agent_id: 'a', graph_id: 'g1' }, { msg_id: 'q1', question: 'Ship it?' })])
    const html = await page('/')
    const badge = section(html, 'agents').match(/id="agent-[^"]*a[^"]*"[\s\S]*?data-since="(\d+)"/)?.[1]
    const card = html.match(/class="waiting" data-since="(\d+)"/)?.[1]
    expect(card).toBeDefined()
    expect(badge).toBe(card!)
    // and the run's page lists the question as asked then too, not at the time its event carried
    const listed = (await page('/runs/g1')).split('<li class="run-question')[1]!.split('</li>')[0]!
    expect(listed).toContain(`<time>${clock(Number(card))}</time>`)
    expect(listed).not.toContain(`<time>${clock(T + n)}</time>`)
  })

  it('counts an agent blocked wherever its card is shown: asked again after it finished, or told "resumed" naming no question', async () => {
    await server()
    await send([ev('graph', 'started', { graph_id: 'g1' }, { agents: [{ agent_id: 'done' }, { agent_id: 'vague' }] }), ev('agent', 'started', { agent_id: 'done' }), ev('agent', 'completed', { agent_id: 'done' })])
    await ask({ agent_id: 'done', question: 'One more thing?' })
    await ask({ agent_id: 'vague', question: 'Which branch?' })
    // resumed without a msg_id: the actor goes on, the question's record is still pending and its card shown
    await send([ev('agent', 'resumed', { agent_id: 'vague' }, { answer: 'main' })])
    const home = await page('/')
    expect(home.match(/<article id="card-/g)?.length).toBe(2)
    expect(header(home)).toMatchObject({ total: 2, blocked: 2, running: 0 })
    expect(header(await page('/runs/g1'))).toMatchObject({ total: 2, blocked: 2, running: 0 })
    expect(words(await page('/runs/g1/graph'))).toContain('2 agents: 2 blocked')
    const snapshot = (await (await s!.app.handle(req('/api/snapshot'))).json()) as { agents: Array<{ agent_id: string; state: string; entered_at: number }>; blocked: Array<{ agent_id: string; asked_at: number }> }
    for (const card of snapshot.blocked) expect(snapshot.agents.find((a) => a.agent_id === card.agent_id)).toMatchObject({ state: 'blocked', entered_at: card.asked_at })
  })

  it('names the run on each card, linked to its page, so two agents named alike are told apart', async () => {
    await server()
    await send([
      ev('graph', 'started', { graph_id: 'north' }, { agents: [{ agent_id: 'n1', name: 'reviewer' }] }),
      ev('graph', 'started', { graph_id: 'south' }, { agents: [{ agent_id: 's1', name: 'reviewer' }] }),
    ])
    await ask({ agent_id: 'n1', question: 'Merge?', graph_id: 'north' })
    // Asked without its graph: the card still knows the run from the agent.
    await ask({ agent_id: 's1', question: 'Merge?' })
    const html = await page('/')
    const cards = html.split('<article id="card-').slice(1)
    expect(cards).toHaveLength(2)
    expect(cards.find((c) => c.includes('href="/runs/north"'))).toBeDefined()
    expect(cards.find((c) => c.includes('href="/runs/south"'))).toBeDefined()
  })
})

describe("a run's page past the events it replays", () => {
  it('counts what the header counts, read from the actors that hold the run whole', async () => {
    await server()
    const g = { graph_id: 'long' }
    const agents = ['a', 'b', 'c']
    await send([ev('graph', 'started', g, { agents: agents.map((agent_id) => ({ agent_id })) }), ...agents.map((id) => ev('agent', 'started', { agent_id: id, ...g }))])
    await send(Array.from({ length: 30 }, (_, i) => ev('tool', 'called', { agent_id: agents[i % 3], ...g }, { tool: `t${i}` })))
    await send([ev('agent', 'completed', { agent_id: 'a', ...g }), ev('agent', 'blocked', { agent_id: 'b', ...g }, { msg_id: 'late-q', question: 'Last one?' })])
    // The same routes as the server's, replaying at most 10 events: the newest (the ending, the question) would be cut.
    const graphStream = new RunGraphStream(s!.dashboard, s!.hub)
    const routes = runRoutes({ store: s!.store, questions: s!.questions, assets: loadAssets().urls, dashboard: s!.dashboard, graphStream, view: s!.view, maxRunEvents: 10 })
    const run = await (await routes.handle(req('/runs/long'))).text()
    graphStream.close()
    expect(header(run)).toEqual(header(await page('/')))
    expect(header(run)).toMatchObject({ total: 3, running: 1, blocked: 1 })
    expect(run).toContain('Last one?')
  })
})

describe('a run of 2,000 agents', () => {
  it('shows the same numbers on /, /runs, /runs/:id, /runs/:id/graph and /api/snapshot', async () => {
    await server()
    const id = (i: number) => `a${i}`
    const g = { graph_id: 'big' }
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)
    // Half of the agents report without their graph's id: the run still holds them.
    const own = (i: number) => (i % 2 ? g : {})
    await send([ev('graph', 'started', g, { agents: range(0, 2_000).map((i) => ({ agent_id: id(i), name: `worker ${i}` })) })])
    await send(range(0, 640).map((i) => ev('agent', 'started', { agent_id: id(i), ...own(i) })))
    for (const i of range(600, 640)) {
      const msgId = await ask({ agent_id: id(i), question: `May ${i} go on?` })
      if (i < 630) await answer(id(i), msgId)
    }
    await send([
      ...range(640, 645).map((i) => ev('agent', 'blocked', { agent_id: id(i), ...g }, { msg_id: `m${i}`, question: 'Which one?' })),
      ev('agent', 'failed', { agent_id: id(645) }, { error: 'pytest exit 1' }),
      ...range(646, 746).flatMap((i) => [ev('agent', 'started', { agent_id: id(i), ...own(i) }), ev('agent', 'completed', { agent_id: id(i), ...own(i) })]),
    ])
    const sentence = '2000 agents: 630 running, 15 blocked, 1 failed, 100 done, 1254 waiting to start'

    const home = await page('/')
    expect(header(home)).toEqual({ total: 2_000, running: 630, blocked: 15, failed: 1 })
    expect([panelCount(home, 'Running'), panelCount(home, 'Waiting for answer'), panelCount(home, 'Failed'), panelCount(home, 'Done'), panelCount(home, 'Waiting to start')]).toEqual([630, 15, 1, 100, 1_254])
    expect(words(section(home, 'agents-counts'))).toContain('incl. 30 answer received')
    expect(words(section(home, 'summary'))).toContain('630 running (incl. 30 answer received)')

    const [row] = runRows(await page('/runs'))
    expect(row).toMatchObject({ run: 'big', agents: '2000', now: '630 running, 15 blocked, 1 failed, 100 done', questions: '45' })

    const run = await page('/runs/big')
    expect(header(run)).toEqual(header(home))
    expect(words(run)).toContain(sentence)
    expect(words(await page('/runs/big/graph'))).toContain(sentence)

    const snapshot = (await (await s!.app.handle(req('/api/snapshot'))).json()) as {
      progress: Record<string, number>
      graphs: Array<Record<string, unknown>>
      blocked: unknown[]
      agents: Array<{ state: string }>
    }
    expect(snapshot.progress).toMatchObject({ total: 2_000, running: 630, answered: 30, blocked: 15, failed: 1, completed: 100, idle: 1_254 })
    expect(snapshot.graphs).toHaveLength(1)
    expect(snapshot.graphs[0]).toMatchObject({ graph_id: 'big', total: 2_000, running: 630, blocked: 15, failed: 1, done: 100 })
    expect(snapshot.blocked).toHaveLength(15)
    const states = snapshot.agents.reduce<Record<string, number>>((n, a) => ({ ...n, [a.state]: (n[a.state] ?? 0) + 1 }), {})
    expect(states).toEqual({ running: 600, resumed: 30, blocked: 15, failed: 1, done: 100, idle: 1_254 })
  })
})
