// Typed questions through the real app in-process (app.handle): approval and form questions asked, answered, refused with the field
// named, read back typed; withdrawn by a person; who answered, stored and shown. Plus the card views.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { connect, AskCancelled } from '../src/client'
import { makeEvent } from '../src/protocol/event'
import type { FormSchema } from '../src/protocol/form'
import { BlockedCard } from '../src/views/cards'
import { renderMarkdown } from '../src/views/markdown'
import { summarizeEvent } from '../src/view-model/event-summary'
import { startTestServer, type TestServer } from './support/server'
import { req, post, until } from './support/http'

let server: TestServer
beforeAll(async () => {
  server = await startTestServer({ listen: false })
})
afterAll(() => server.stop())

const status = async (msgId: string) => (await server.app.handle(req(`/api/questions/${msgId}`))).json() as Promise<Record<string, unknown>>

const DEPLOY: FormSchema = {
  type: 'object',
  properties: {
    env: { type: 'string', enum: ['staging', 'prod'], enumNames: ['Staging', 'Production'], title: 'Environment' },
    replicas: { type: 'integer', minimum: 1, maximum: 10 },
    notify: { type: 'string', format: 'email' },
    dry_run: { type: 'boolean', default: true },
  },
  required: ['env', 'replicas'],
}

describe('approval questions', () => {
  it('takes {approved, comment} and nothing else, and gives it back typed, with who answered', async () => {
    expect((await server.app.handle(post('/api/questions', { agent_id: 'ap', msg_id: 'ap-1', question: 'Delete the branch?', kind: 'approval' }))).status).toBe(201)
    for (const [answer, field] of [
      ['yes', 'answer'],
      [{ approved: 'yes' }, 'answer.approved'],
      [{ approved: true, extra: 1 }, 'answer.extra'],
    ] as const) {
      const res = await server.app.handle(post('/agent/ap/respond', { msg_id: 'ap-1', answer }))
      expect(res.status).toBe(400)
      expect(await res.json()).toMatchObject({ field })
    }
    const res = await server.app.handle(post('/agent/ap/respond', { msg_id: 'ap-1', answer: { approved: false, comment: ' not yet ' }, answered_by: 'Ada' }))
    expect(res.status).toBe(200)
    expect(await status('ap-1')).toMatchObject({ kind: 'approval', status: 'answered', answer: { approved: false, comment: 'not yet' }, answered_by: 'Ada' })
    const resumed = server.bus.history().find((e) => e.action === 'resumed' && e.payload.msg_id === 'ap-1')
    expect(resumed?.payload).toMatchObject({ answer: { approved: false, comment: 'not yet' }, answered_by: 'Ada' })
  })

  it('refuses options on an approval question', async () => {
    const res = await server.app.handle(post('/api/questions', { agent_id: 'ap', question: 'Ok?', kind: 'approval', options: ['a'] }))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ field: 'options' })
  })
})

describe('form questions', () => {
  it('checks the answer against the schema, naming the field, and stores the typed values', async () => {
    expect((await server.app.handle(post('/api/questions', { agent_id: 'fm', msg_id: 'fm-1', question: 'How to deploy?', schema: DEPLOY }))).status).toBe(201)
    expect(await status('fm-1')).toMatchObject({ kind: 'form', schema: DEPLOY })
    for (const [answer, field] of [
      [{ replicas: 2 }, 'answer.env'],
      [{ env: 'dev', replicas: 2 }, 'answer.env'],
      [{ env: 'prod', replicas: 2.5 }, 'answer.replicas'],
      [{ env: 'prod', replicas: 11 }, 'answer.replicas'],
      [{ env: 'prod', replicas: 2, notify: 'nobody' }, 'answer.notify'],
      [{ env: 'prod', replicas: 2, dry_run: 'no' }, 'answer.dry_run'],
      [{ env: 'prod', replicas: 2, sneaky: 1 }, 'answer.sneaky'],
      ['prod', 'answer'],
    ] as const) {
      const res = await server.app.handle(post('/agent/fm/respond', { msg_id: 'fm-1', answer }))
      expect({ answer, status: res.status }).toEqual({ answer, status: 400 })
      expect(await res.json()).toMatchObject({ field })
    }
    const ok = await server.app.handle(post('/agent/fm/respond', { msg_id: 'fm-1', answer: { env: 'prod', replicas: 3, notify: 'ops@example.com', dry_run: false } }))
    expect(ok.status).toBe(200)
    expect((await status('fm-1')).answer).toEqual({ env: 'prod', replicas: 3, notify: 'ops@example.com', dry_run: false })
  })

  it('takes a card’s draft (strings from the inputs) converted to the schema’s types', async () => {
    await server.app.handle(post('/api/questions', { agent_id: 'fm', msg_id: 'fm-2', question: 'Again?', schema: DEPLOY }))
    const draft = { tab: 'tab-fm', responseDraft: { mfm_2d_2: { env: 'staging', replicas: '4', notify: '', dry_run: true } } }
    const res = await server.app.handle(post('/agent/fm/respond?msg_id=fm-2', draft, { 'datastar-request': 'true' }))
    expect(res.status).toBe(204)
    expect((await status('fm-2')).answer).toEqual({ env: 'staging', replicas: 4, dry_run: true })
  })

  it.each([
    [{ type: 'object', properties: {} }, 'schema.properties'],
    [{ type: 'object', properties: { a: { type: 'array' } } }, 'schema.properties.a'],
    [{ type: 'object', properties: { constructor: { type: 'string' } } }, 'schema.properties'],
    [{ type: 'object', properties: { _local: { type: 'string' } } }, 'schema.properties'],
    [{ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }, 'schema.required'],
    [{ type: 'object', properties: { n: { type: 'number', minimum: 5, maximum: 1 } } }, 'schema.properties.n.minimum'],
    [{ type: 'object', properties: { e: { type: 'string', enum: ['x'], enumNames: ['X', 'Y'] } } }, 'schema.properties.e.enumNames'],
  ])('refuses the schema %j, naming %s', async (schema, field) => {
    const res = await server.app.handle(post('/api/questions', { agent_id: 'fm', question: 'Bad form?', schema }))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { field: string }).field.startsWith(field)).toBe(true)
  })

  it('refuses a bad schema at ingest too, naming the event and field', async () => {
    const e = { ...makeEvent('agent', 'blocked', { agent_id: 'fm', payload: { question: 'Form?' } }), payload: { question: 'Form?', schema: { type: 'object', properties: { a: { type: 'date' } } } } }
    const res = await server.app.handle(post('/api/events', [e]))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { field: string }).field).toStartWith('[0].payload.schema')
  })
})

describe('withdrawing a question', () => {
  it('cancels it, tells the agent, ends ask() with AskCancelled, and refuses a second withdrawal', async () => {
    const client = connect({ url: server.url, fetch: (url, init) => server.app.handle(req(String(url), init)) })
    const agent = client.agent('wd')
    const asked = agent.ask('Still needed?', { msgId: 'wd-1' }).catch((e: unknown) => e)
    await until('the question asked', () => server.questions.status('wd-1')?.status === 'pending')
    expect((await server.app.handle(post('/agent/wd/cancel', { msg_id: 'wd-1', answered_by: 'Grace' }))).status).toBe(200)
    const error = await asked
    expect(error).toBeInstanceOf(AskCancelled)
    expect((error as AskCancelled).by).toBe('Grace')
    expect(await status('wd-1')).toMatchObject({ status: 'cancelled', answered_by: 'Grace' })
    expect(server.bus.history().some((e) => e.action === 'resumed' && e.payload.msg_id === 'wd-1' && e.payload.cancelled === true)).toBe(true)
    expect((await server.app.handle(post('/agent/wd/cancel', { msg_id: 'wd-1' }))).status).toBe(410)
    expect((await server.app.handle(post('/agent/wd/cancel', { msg_id: 'nope' }))).status).toBe(404)
    expect((await server.app.handle(post('/agent/wd/cancel', {}))).status).toBe(400)
    await client.close()
  })
})

describe('who answers', () => {
  it('keeps the name from the page’s cookie, and a name form post sets it', async () => {
    const res = await server.app.handle(req('/name', { method: 'POST', body: new URLSearchParams({ name: 'Lin' }), redirect: 'manual' }))
    expect(res.status).toBe(303)
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!
    expect(cookie).toBe('switchboard_name=Lin')
    await server.app.handle(post('/api/questions', { agent_id: 'wa', msg_id: 'wa-1', question: 'Name?' }))
    expect((await server.app.handle(post('/agent/wa/respond', { msg_id: 'wa-1', answer: 'ok' }, { cookie }))).status).toBe(200)
    expect((await status('wa-1')).answered_by).toBe('Lin')
    const page = await (await server.app.handle(req('/', { headers: { cookie } }))).text()
    expect(page).toContain('value="Lin"')
    const bad = await server.app.handle(req('/name', { method: 'POST', body: new URLSearchParams({ name: 'a\u202eb' }), redirect: 'manual' }))
    expect(bad.status).toBe(400)
  })
})

describe('the card of a typed question', () => {
  const base = { msg_id: 'm1', agent_id: 'a1', agent_name: 'Docs', question: 'Q?', options: [], tools: [], asked_at: 0 }

  it('has Approve and Deny posting approve=1/0, and a comment bound to the draft', () => {
    const html = String(BlockedCard({ now: 0, card: { ...base, kind: 'approval' } }))
    expect(html).toContain(`data-on-click="@post('/agent/a1/respond?msg_id=m1\\u0026approve=1')"`)
    expect(html).toContain(`data-on-click="@post('/agent/a1/respond?msg_id=m1\\u0026approve=0')"`)
    expect(html).toContain('data-bind="responseDraft.mm1"')
  })

  it('renders a form with the browser’s checks and typed initial signals', () => {
    const html = String(BlockedCard({ now: 0, card: { ...base, kind: 'form', schema: DEPLOY } }))
    expect(html).toContain('<select id="card-m1-field-env" data-bind="responseDraft.mm1.env" data-indicator="_busy.mm1" required>')
    expect(html).toContain('<option value="prod">Production</option>')
    expect(html).toMatch(/<input type="number" id="card-m1-field-replicas"[^>]* required min="1" max="10" step="1"/)
    expect(html).toMatch(/<input type="email" id="card-m1-field-notify"/)
    expect(html).toContain('type="checkbox" id="card-m1-field-dry_run"')
    expect(html).toContain('data-signals__ifmissing="{&#34;responseDraft&#34;:{&#34;mm1&#34;:{&#34;env&#34;:&#34;&#34;,&#34;replicas&#34;:&#34;&#34;,&#34;notify&#34;:&#34;&#34;,&#34;dry_run&#34;:true}}}"')
  })

  it('renders the context as markdown with raw HTML escaped and unsafe links dropped, and shows tool calls', () => {
    const context = '**Why**: see [docs](https://example.com) <script>alert(1)</script> [x](javascript:alert(1)) ![img](https://evil/x.png)'
    const html = String(BlockedCard({ now: 0, card: { ...base, kind: 'text', context, tools: [{ tool: 'grep', args: '"<b>"', result: 'none', at: 0 }] } }))
    expect(html).toContain('<strong>Why</strong>')
    expect(html).toContain('<a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">docs</a>')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).not.toContain('href="javascript')
    expect(html).not.toContain('<img')
    expect(html).toContain('<code class="args">(&quot;&lt;b&gt;&quot;)</code>')
    expect(renderMarkdown('<img src=x onerror=alert(1)>')).not.toContain('<img')
  })
})

describe('the log line of an answer', () => {
  const resumed = (payload: Record<string, unknown>) => summarizeEvent(makeEvent('agent', 'resumed', { agent_id: 'a', payload: { msg_id: 'm', ...payload } }))
  it('says a typed answer in words, with who gave it, and who withdrew a question', () => {
    expect(resumed({ answer: { approved: true } })).toBe('answered: Approved')
    expect(resumed({ answer: { approved: false, comment: 'too risky' }, answered_by: 'Ada' })).toBe('answered: Denied: too risky (Ada)')
    expect(resumed({ answer: { env: 'prod', replicas: 3 } })).toBe('answered: env: prod, replicas: 3')
    expect(resumed({ cancelled: true, answered_by: 'Grace' })).toBe('question withdrawn: by Grace')
    expect(resumed({ answer: 'google' })).toBe('answered: google')
  })
})

describe('the log line of a turn between answers', () => {
  it("says a note's text and why an agent waits for its user", () => {
    expect(summarizeEvent(makeEvent('agent', 'note', { agent_id: 'a', payload: { text: 'Plan: read, then edit' } }))).toBe('note: Plan: read, then edit')
    expect(summarizeEvent(makeEvent('agent', 'waiting', { agent_id: 'a', payload: { reason: "the user's reply" } }))).toBe("waiting for its user: the user's reply")
    expect(summarizeEvent(makeEvent('agent', 'waiting', { agent_id: 'a', payload: {} }))).toBe('waiting for its user')
  })
})
