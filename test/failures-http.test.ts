// Failures first over HTTP: /agents?state=failed grouped by error, one error's agents, bad filters refused with
// the reason, a stalled run said on the runs list, its page and the dashboard, the queue filtered to it.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { routes } from '../src/protocol/routes'
import { startTestServer, type TestServer } from './support/server'
import { post, req } from './support/http'

let s: TestServer
const T = 1_764_057_600_000
const RUN = 'run <i>1</i>'
const TRACE = 'pytest exit 1\n  tests/test_api.py::test_login FAILED'

beforeAll(async () => {
  s = await startTestServer({ listen: false })
  let n = 0
  const ev = (category: string, action: string, agent_id: string | undefined, payload: Record<string, unknown> = {}) => ({
    id: `e${++n}`, timestamp: T + n, category, action, graph_id: RUN, ...(agent_id ? { agent_id } : {}), payload,
  })
  const roster = [{ agent_id: 'ask', name: 'Ask' }, { agent_id: 'lint', name: 'Lint <b>' }, { agent_id: 'docs', name: 'Docs', depends_on: ['lint'] }]
  const events = [
    ev('graph', 'started', undefined, { agents: roster }),
    ev('agent', 'started', 'ask'),
    ev('agent', 'blocked', 'ask', { msg_id: 'q-ask', question: 'Which branch?' }),
    ev('agent', 'started', 'lint'),
    ev('agent', 'failed', 'lint', { error: TRACE }),
    ...['t1', 't2', 't3'].flatMap((id) => [ev('agent', 'started', id), ev('agent', 'failed', id, { error: `${TRACE} (${id})` })]),
    ev('agent', 'started', 'oom'),
    ev('agent', 'failed', 'oom', { error: 'Killed: out of memory' }),
  ]
  expect((await s.app.handle(post('/api/events', events))).status).toBe(202)
})
afterAll(() => s.stop())

const html = async (path: string) => {
  const res = await s.app.handle(req(path))
  expect(res.status).toBe(200)
  return res.text()
}

describe('/agents?state=failed', () => {
  it('groups the failed agents by the first line of their error, with a count per message, the largest first', async () => {
    const page = await html(routes.agents({ state: 'failed' }))
    expect(page).toContain('5 agents failed, 2 different errors: the most common first.')
    const heads = [...page.matchAll(/<h3 class="error-group-head"><a href="([^"]*)"><span>([^<]*)<\/span><code class="error">([^<]*)<\/code>/g)].map((m) => [m[2], m[3], m[1]])
    expect(heads).toEqual([
      ['4 agents: ', 'pytest exit 1', routes.agents({ state: 'failed', error: 'pytest exit 1' })],
      ['1 agent: ', 'Killed: out of memory', routes.agents({ state: 'failed', error: 'Killed: out of memory' })],
    ])
    // each badge says its own first line, the whole error in its title
    expect(page).toContain(`<span class="error" title="pytest exit 1\n  tests/test_api.py::test_login FAILED">pytest exit 1</span>`)
    expect(page).toContain('Lint &lt;b&gt;')
  })

  it("lists one error's agents when its group is followed", async () => {
    const page = await html(routes.agents({ state: 'failed', error: 'pytest exit 1' }))
    expect(page).toContain('<span>4 agents: </span><code class="error">pytest exit 1</code>')
    expect(page.match(/class="badge /g)).toHaveLength(4)
    expect(page).not.toContain('out of memory')
  })

  it('refuses a state, error or run that cannot be, naming the field and why', async () => {
    for (const [path, field] of [
      ['/agents?state=bogus', 'query.state'],
      ['/agents?state=failed&error=', 'query.error'],
      [`/agents?state=failed&error=${'x'.repeat(300)}`, 'query.error'],
      ['/agents?run=', 'query.run'],
    ] as const) {
      const res = await s.app.handle(req(path))
      expect(res.status).toBe(400)
      const body = (await res.json()) as { error: string; field: string }
      expect(body.field).toBe(field)
      expect(body.error).toStartWith(`${field} must be`)
    }
  })
})

describe('what a run waits for', () => {
  it('says "waiting on" the failed dependency on an idle agent\'s row, linked to that agent\'s page', async () => {
    const page = await html(routes.agents({ state: 'idle' }))
    expect(page).toContain(`waiting on <a href="${routes.agent('lint')}">Lint &lt;b&gt;</a>`)
    expect(page).toContain('1 agent, 1–1 shown.')
  })

  it('says the run is stalled on its question, on the runs list, its page and the dashboard, linked to the queue', async () => {
    const link = `<a class="stalled" href="${routes.queue(RUN)}">stalled on 1 question</a>`
    expect(await html(routes.runs())).toContain(link)
    const run = await html(routes.runs(RUN))
    expect(run).toContain(`<a href="${routes.queue(RUN)}">stalled on 1 question</a>`)
    expect(run).toContain(`href="${routes.agents({ state: 'failed', run: RUN })}"`)
    expect(await html('/')).toContain('<a href="/#h-questions">stalled on 1 question</a>')
  })

  it('opens the queue filtered to the run the link names', async () => {
    const page = await html(routes.queue(RUN).split('#')[0]!)
    const signals = JSON.parse(/data-signals="([^"]*)"/.exec(page)![1]!.replaceAll('&#34;', '"').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&'))
    expect(signals._queueFilter).toBe(RUN)
    expect((await s.app.handle(req(`/?queue=${'x'.repeat(201)}`))).status).toBe(400)
  })
})
