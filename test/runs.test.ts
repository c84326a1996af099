// GET /runs and /runs/:graph_id: runs listed from the store, one run's dashboard rebuilt read-only, across a restart.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { startTestServer, type TestServer } from './support/server'
import { req, post } from './support/http'

let s: TestServer
const T = 1_764_057_600_000
const GRAPH = 'run <b>"x"</b>'
beforeAll(async () => {
  s = await startTestServer({ listen: false })
  const g = { graph_id: GRAPH }
  const events = [
    { id: 'r1', timestamp: T, category: 'graph', action: 'started', ...g, payload: { agents: [{ agent_id: 'fix', name: 'Fix <i>it</i>' }, { agent_id: 'ask' }] } },
    { id: 'r2', timestamp: T + 1_000, category: 'agent', action: 'started', agent_id: 'fix', ...g, payload: {} },
    { id: 'r3', timestamp: T + 2_000, category: 'agent', action: 'completed', agent_id: 'fix', ...g, payload: { result: 'Patched <script>x</script>' } },
    { id: 'r4', timestamp: T + 3_000, category: 'agent', action: 'started', agent_id: 'ask', ...g, payload: {} },
    { id: 'r5', timestamp: T + 4_000, category: 'agent', action: 'blocked', agent_id: 'ask', ...g, payload: { msg_id: 'run-q', question: 'Ship it?' } },
    { id: 'r6', timestamp: T + 5_000, category: 'graph', action: 'started', graph_id: 'second', payload: { agents: [] } },
  ]
  expect((await s.app.handle(post('/api/events', events))).status).toBe(202)
  expect((await s.app.handle(post('/agent/ask/respond', { msg_id: 'run-q', answer: 'yes' }))).status).toBe(200)
  await s.app.handle(post('/api/events', { id: 'r7', timestamp: T + 9_000, category: 'graph', action: 'completed', ...g, payload: {} }))
})
afterAll(() => s.stop())

describe('runs', () => {
  it('lists every run newest first with status, agents, questions and duration, escaped', async () => {
    const res = await s.app.handle(req('/runs'))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html.indexOf('second')).toBeLessThan(html.indexOf('run &lt;b&gt;'))
    expect(html).not.toContain('<b>"x"</b>')
    const row = html.slice(html.indexOf('<tr class="run-completed">'), html.indexOf('</tr>', html.indexOf('<tr class="run-completed">')))
    expect(row).toContain(`href="/runs/${encodeURIComponent(GRAPH)}"`)
    // status, agents, what they are doing now (still on the dashboard: "ask" has its answer, so it counts as running), questions
    expect(row).toContain('<td>completed</td><td>2</td><td>1 running, 1 done</td><td>1</td>')
    expect(row).toContain('<td>9s</td>')
  })

  it('shows one run read-only: agents as they ended, results, its questions with their answers, the log', async () => {
    const res = await s.app.handle(req(`/runs/${encodeURIComponent(GRAPH)}`))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('Fix &lt;i&gt;it&lt;/i&gt;')
    expect(html).toContain('Patched &lt;script&gt;x&lt;/script&gt;')
    expect(html).toContain('Ship it?')
    expect(html).toContain('→ yes')
    expect(html).not.toContain('data-on-load')
    expect(html).not.toContain('class="card"')
  })

  it('answers 404 for a run it never saw, and 400 for an id no run can have', async () => {
    expect((await s.app.handle(req('/runs/nope'))).status).toBe(404)
    expect((await s.app.handle(req('/runs/a%0Ab'))).status).toBe(400)
  })

  it('still lists and shows them after a restart', async () => {
    await s.stop()
    s = await startTestServer({ listen: false, dbPath: s.dbPath })
    expect(await (await s.app.handle(req('/runs'))).text()).toContain('second')
    expect(await (await s.app.handle(req(`/runs/${encodeURIComponent(GRAPH)}`))).text()).toContain('→ yes')
  })
})
