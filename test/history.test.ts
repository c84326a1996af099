// GET /api/events: the stored history for programs, filtered and paginated, as JSON or NDJSON.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { startTestServer, type TestServer } from './support/server'
import { req, post } from './support/http'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ listen: false })
  const T = 1_764_057_600_000
  const events = [
    { id: 'h1', timestamp: T, category: 'graph', action: 'started', graph_id: 'hg', payload: { agents: [{ agent_id: 'ha' }, { agent_id: 'hb' }] } },
    { id: 'h2', timestamp: T + 1, category: 'agent', action: 'started', agent_id: 'ha', graph_id: 'hg', payload: {} },
    { id: 'h3', timestamp: T + 2, category: 'tool', action: 'called', agent_id: 'ha', graph_id: 'hg', payload: { tool: 'ruff', args: 'Find the NEEDLE' } },
    { id: 'h4', timestamp: T + 3, category: 'agent', action: 'started', agent_id: 'hb', graph_id: 'hg', payload: {} },
    { id: 'h5', timestamp: T + 4, category: 'agent', action: 'failed', agent_id: 'hb', graph_id: 'hg', payload: { error: 'boom' } },
    { id: 'h6', timestamp: T + 5, category: 'agent', action: 'started', agent_id: 'other', payload: {} },
  ]
  const res = await s.app.handle(post('/api/events', events))
  expect(res.status).toBe(202)
})
afterAll(() => s.stop())

type Page = { events: Array<{ seq: number; id: string; payload: Record<string, unknown> }>; next: number | null }
const page = async (query: string) => (await (await s.app.handle(req(`/api/events?${query}`))).json()) as Page

describe('GET /api/events', () => {
  it('pages through a run in order, with payloads, `next` leading to the following page', async () => {
    const first = await page('graph_id=hg&limit=2')
    expect(first.events.map((e) => e.id)).toEqual(['h1', 'h2'])
    expect(first.events[0]!.payload).toEqual({ agents: [{ agent_id: 'ha' }, { agent_id: 'hb' }] })
    const second = await page(`graph_id=hg&limit=2&after=${first.next}`)
    expect(second.events.map((e) => e.id)).toEqual(['h3', 'h4'])
    const third = await page(`graph_id=hg&limit=2&after=${second.next}`)
    expect(third.events.map((e) => e.id)).toEqual(['h5'])
    expect(third.next).toBeNull()
  })

  it('filters by agent, kind and text', async () => {
    expect((await page('agent_id=ha')).events.map((e) => e.id)).toEqual(['h2', 'h3'])
    expect((await page('kind=agent:failed')).events.map((e) => e.id)).toEqual(['h5'])
    expect((await page('q=needle')).events.map((e) => e.id)).toEqual(['h3'])
  })

  it('answers NDJSON, one event a line, for Accept: application/x-ndjson', async () => {
    const res = await s.app.handle(req('/api/events?graph_id=hg&limit=3', { headers: { accept: 'application/x-ndjson' } }))
    expect(res.headers.get('content-type')).toBe('application/x-ndjson')
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as { id: string; seq: number })
    expect(lines.map((l) => l.id)).toEqual(['h1', 'h2', 'h3'])
    expect(res.headers.get('x-next-after')).toBe(String(lines[2]!.seq))
  })

  it('refuses a bad filter with 400 naming it', async () => {
    for (const [query, field] of [['limit=0', 'limit'], ['limit=5000', 'limit'], ['after=-1', 'after'], ['agent_id=..', 'agent_id']] as const) {
      const res = await s.app.handle(req(`/api/events?${query}`))
      expect([query, res.status]).toEqual([query, 400])
      expect(((await res.json()) as { field: string }).field).toBe(`query.${field}`)
    }
  })
})

describe('GET /history', () => {
  it('searches the stored log on the server, newest first, each line opening to its payload', async () => {
    const res = await s.app.handle(req('/history?q=needle'))
    expect(res.status).toBe(200)
    const html = await res.text()
    expect(html).toContain('<details>')
    expect(html).toContain('Find the NEEDLE')
    expect(html).toContain('value="needle"')
    expect(html.match(/class="log-line /g)).toHaveLength(1)
    const byAgent = await (await s.app.handle(req('/history?agent=hb&kind=&q='))).text()
    expect(byAgent.match(/class="log-line /g)).toHaveLength(2)
    expect(byAgent.indexOf('agent:failed')).toBeLessThan(byAgent.indexOf('agent:started'))
  })

  it('escapes what was searched for, and refuses a bad page position with 400', async () => {
    const html = await (await s.app.handle(req(`/history?q=${encodeURIComponent('"><script>x</script>')}`))).text()
    // Inside a quoted attribute only the quote can break out: it is escaped, so the value stays whole.
    expect(html).toContain('value="&#34;><script>x</script>"')
    // the head's four module scripts, and the searched text's one, inside the attribute value
    expect(html.match(/<script/g)).toHaveLength(5)
    expect(html.match(/<script type="module"/g)).toHaveLength(4)
    expect((await s.app.handle(req('/history?before=abc'))).status).toBe(400)
  })

  it('is offered on the dashboard next to the live log', async () => {
    expect(await (await s.app.handle(req('/'))).text()).toContain('action="/history"')
  })
})
