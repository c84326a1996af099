// Property test over the real app in-process (app.handle): thousands of generated hostile bodies to every write route never
// get a 5xx, never crash it, and a restart on the same database still starts and renders every page.
import { afterAll, describe, expect, it } from 'bun:test'
import fc from 'fast-check'
import { ACTIONS, CATEGORIES } from '../src/protocol/event'
import { startTestServer, type TestServer } from './support/server'
import { req, post } from './support/http'

const SEED = 20261125
const servers: TestServer[] = []
afterAll(async () => {
  for (const s of servers) await s.stop()
})

// Strings people would not think of: object property names, path tricks, controls, CR, bidi, huge.
const nasty = fc.oneof(
  fc.constantFrom('x\ud800', '\udc00', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '.', '..', '-', '', ' ', '🦜', 'a\rb', 'a\r\ndata: x', '\u202etxt', '</script>', "'\"><img>", '%00', '\u0000'),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.nat({ max: 6_000 }).map((n) => 'x'.repeat(n)),
)
const number = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(1e20, 8.64e15 + 1, -1, 0, 1.5, Number.MAX_SAFE_INTEGER, 1_764_057_600_000))
const leaf = fc.oneof(nasty, number, fc.boolean(), fc.constant(null), fc.constant({ toString: 1 }), fc.constant([1, 2]))
const value = fc.oneof(leaf, fc.jsonValue({ maxDepth: 4 }), fc.array(leaf, { maxLength: 70 }), fc.dictionary(nasty, leaf, { maxKeys: 5 }))

const payload = fc.oneof(
  value,
  fc.record(
    {
      msg_id: fc.oneof(nasty, number),
      question: fc.oneof(nasty, value),
      options: fc.oneof(fc.array(fc.oneof(nasty, leaf), { maxLength: 70 }), value),
      timeout_s: fc.oneof(number, nasty),
      name: fc.oneof(nasty, value),
      error: fc.oneof(nasty, value),
      result: value,
      tool: fc.oneof(nasty, value),
      tokens: fc.oneof(number, nasty),
      answer: fc.oneof(nasty, value),
      agents: fc.oneof(value, fc.array(fc.record({ agent_id: fc.oneof(nasty, number), name: fc.oneof(nasty, value), depends_on: value }, { requiredKeys: [] }), { maxLength: 8 })),
    },
    { requiredKeys: [] },
  ),
)

const category = fc.oneof(fc.constantFrom(...CATEGORIES), nasty)
const action = fc.oneof(fc.constantFrom(...Object.values(ACTIONS).flat()), nasty)
let seq = 0
const event = fc.record(
  {
    id: fc.oneof(nasty, number, fc.constant(undefined).map(() => `fz-${++seq}`)),
    timestamp: fc.oneof(number, nasty, fc.constantFrom('2026-11-25T10:00:00Z', '9999-99-99', '1970-01-01')),
    category,
    action,
    agent_id: fc.oneof(nasty, number),
    graph_id: fc.oneof(nasty, number),
    payload,
  },
  { requiredKeys: ['id', 'timestamp', 'category', 'action'] },
)
// Half the events are well-formed but for one field, so the checks past the envelope are reached too.
const PAIRS = Object.entries(ACTIONS).flatMap(([c, actions]) => actions.map((a) => [c, a] as const))
const plausible = fc
  .record({
    pair: fc.constantFrom(...PAIRS),
    agent_id: fc.oneof(nasty, fc.constantFrom('constructor', '__proto__', 'toString', 'valueOf')),
    graph_id: fc.option(nasty, { nil: undefined }),
    timestamp: fc.oneof(fc.constant(1_764_057_600_000), fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }), number),
    payload,
  })
  .map(({ pair: [category, action], ...rest }) => ({ id: `fz-${++seq}`, category, action, ...rest }))
const anyEvent = fc.oneof(plausible, event)
const events = fc.oneof(anyEvent, fc.array(anyEvent, { maxLength: 6 }), value)

const ask = fc.oneof(
  value,
  fc.record(
    { agent_id: fc.oneof(nasty, number), question: fc.oneof(nasty, value), options: fc.oneof(fc.array(nasty, { maxLength: 25 }), value), timeout_s: fc.oneof(number, nasty), msg_id: fc.oneof(nasty, number), graph_id: nasty },
    { requiredKeys: [] },
  ),
)

const respond = fc.record({
  agent: nasty,
  query: fc.record({ msg_id: nasty, option: fc.oneof(nasty, fc.nat({ max: 30 }).map(String)) }, { requiredKeys: [] }),
  body: fc.oneof(value, fc.record({ msg_id: fc.oneof(nasty, number), answer: fc.oneof(nasty, value), responseDraft: value, tab: nasty }, { requiredKeys: [] })),
  datastar: fc.boolean(),
})

/** JSON nested `depth` levels deep, as text (JSON.stringify of such a value would overflow first). */
const deepJson = (depth: number, open = '[', close = ']') => `${open.repeat(depth)}${close.repeat(depth)}`

async function postStatus(s: TestServer, path: string, body: string, headers: Record<string, string> = {}) {
  const res = await s.app.handle(post(path, body, headers))
  await res.arrayBuffer()
  return res.status
}

/** JSON text for a generated value; lone surrogates and the rest go over the wire as they are. */
const text = (v: unknown) => JSON.stringify(v) ?? 'null'

describe('hostile input over a real server', () => {
  it('never answers 5xx to thousands of generated bodies, and survives a restart on the same database', async () => {
    const first = await startTestServer({ listen: false })
    servers.push(first)
    // A few known askers so that some respond calls reach real questions.
    for (const agent_id of ['__proto__', 'constructor', 'a\u00e9'])
      first.questions.ask({ agent_id, msg_id: `known-${agent_id}`, question: 'Known?', options: ['yes', 'no'] })
    const seen: number[] = []
    const check = async (status: number, what: unknown) => {
      seen.push(status)
      if (status >= 500) throw new Error(`status ${status} for ${text(what).slice(0, 500)}`)
    }

    await fc.assert(
      fc.asyncProperty(events, async (body) => check(await postStatus(first, '/api/events', text(body)), body)),
      { numRuns: 1500, seed: SEED },
    )
    await fc.assert(
      fc.asyncProperty(ask, async (body) => check(await postStatus(first, '/api/questions', text(body)), body)),
      { numRuns: 600, seed: SEED },
    )
    await fc.assert(
      fc.asyncProperty(respond, async ({ agent, query, body, datastar }) => {
        const known = fc.sample(fc.constantFrom('__proto__', 'constructor', 'a\u00e9', agent), { numRuns: 1, seed: seen.length })[0]!
        const params = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))
        if (known !== agent) params.set('msg_id', `known-${known}`)
        // A URL cannot carry a lone surrogate at all: it goes as U+FFFD, as a browser would send it.
        const path = `/agent/${encodeURIComponent(known.toWellFormed())}/respond?${params}`
        await check(await postStatus(first, path, text(body), datastar ? { 'datastar-request': 'true' } : {}), { path, body })
      }),
      { numRuns: 600, seed: SEED },
    )
    // Bodies no generator makes: 100,000-deep JSON, a huge number, bytes that are not UTF-8.
    for (const path of ['/api/events', '/api/questions', '/agent/x/respond?msg_id=m']) {
      await check(await postStatus(first, path, deepJson(100_000)), `${path} deep array`)
      await check(await postStatus(first, path, deepJson(100_000, '{"a":', '}')), `${path} deep object`)
      await check(await postStatus(first, path, `{"answer": ${'9'.repeat(400)}, "timestamp": 1e999}`), `${path} huge number`)
      const bytes = await first.app.handle(req(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Uint8Array([0xff, 0xfe, 0x7b]) }))
      await check(bytes.status, `${path} bytes`)
    }
    expect(seen.length).toBeGreaterThan(2700)
    // Some of all that was accepted, most refused: the generators reach both sides.
    expect(seen.filter((s) => s < 300).length).toBeGreaterThan(20)
    expect(seen.filter((s) => s >= 400).length).toBeGreaterThan(1000)

    for (const path of ['/', '/api/snapshot', '/inspect', '/inspect/-/dashboard']) expect([path, (await first.app.handle(req(path))).status]).toEqual([path, 200])
    await first.stop()
    servers.splice(servers.indexOf(first), 1)

    const second = await startTestServer({ listen: false, dbPath: first.dbPath })
    servers.push(second)
    for (const path of ['/', '/api/snapshot', '/inspect', '/inspect/-/dashboard']) expect([path, (await second.app.handle(req(path))).status]).toEqual([path, 200])
    const cards = ((await (await second.app.handle(req('/api/snapshot'))).json()) as { blocked: unknown[] }).blocked
    expect(cards.length).toBeGreaterThan(0)
  }, 240_000)
})
