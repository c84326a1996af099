// Tokens in/out and their cost: accepted from model events, kept per agent, summed per run, priced by SWITCHBOARD_PRICES.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { ConfigError, parseConfig } from '../src/config'
import { toPriceTable } from '../src/protocol/prices'
import { compactTokens, usageText } from '../src/view-model/usage'
import { spawn, tempDir } from './support/process'
import { startTestServer, type TestServer } from './support/server'
import { post } from './support/http'

// Prices in whole dollars per million tokens, so every expected cost below is exact.
// Parsed from JSON as the config is: in an object literal `__proto__` would set the prototype instead.
const PRICES = toPriceTable(JSON.parse('{"model-a": {"input": 3, "output": 15}, "__proto__": {"input": 1, "output": 2}}'))
if (!PRICES.ok) throw new Error(PRICES.reason)

let s: TestServer
let n = 0
const ingest = (body: unknown) => fetch(post(`${s.url}/api/events`, body))
const ev = (category: string, action: string, fields: Record<string, unknown>) => ({ id: `u-${++n}`, timestamp: Date.now(), category, action, payload: {}, ...fields })
const model = (agent_id: string, payload: Record<string, unknown>) => ev('model', 'response', { agent_id, graph_id: 'run-1', payload })

beforeAll(async () => {
  s = await startTestServer({ stream: { prices: PRICES.prices } })
})
afterAll(() => s.stop())

describe('model events', () => {
  it('refuses token counts that are not whole non-negative numbers, and a total below its parts, naming the field', async () => {
    for (const [payload, field] of [
      [{ input_tokens: -1 }, 'payload.input_tokens'],
      [{ output_tokens: 1.5 }, 'payload.output_tokens'],
      [{ input_tokens: '12' }, 'payload.input_tokens'],
      [{ output_tokens: 1e13 }, 'payload.output_tokens'],
      [{ input_tokens: 10, output_tokens: 5, tokens: 14 }, 'payload.tokens'],
    ] as const) {
      const res = await ingest(model('x', payload))
      expect(res.status).toBe(400)
      expect(((await res.json()) as { field: string }).field).toBe(field)
    }
  })
})

describe('tokens and cost', () => {
  it('add up exactly per agent and per run in /api/snapshot; an unknown model costs nothing and says so', async () => {
    const started = ev('graph', 'started', { graph_id: 'run-1', payload: { agents: [{ agent_id: 'a' }, { agent_id: '__proto__', name: '</svg><script>' }] } })
    expect((await ingest([started, ev('agent', 'started', { agent_id: 'a', graph_id: 'run-1' }), model('a', { model: 'model-a', input_tokens: 1000, output_tokens: 200 })])).status).toBe(202)
    // A snapshot in between: the page's sums are brought up to date again, not counted afresh.
    await fetch(`${s.url}/api/snapshot`)
    const res = await ingest([
      ev('agent', 'started', { agent_id: '__proto__', graph_id: 'run-1' }),
      model('a', { model: 'model-a', input_tokens: 3000, output_tokens: 800, tokens: 4000 }),
      model('a', { model: 'unknown-model', input_tokens: 500, output_tokens: 500 }),
      model('__proto__', { model: '__proto__', input_tokens: 2000, output_tokens: 1000 }),
      model('__proto__', { tokens: 70 }),
    ])
    expect(res.status).toBe(202)
    const snap = (await (await fetch(`${s.url}/api/snapshot`)).json()) as {
      agents: Array<{ agent_id: string; usage: Record<string, number> }>
      graphs: Array<{ graph_id: string; usage: Record<string, number> }>
    }
    const usage = (id: string) => snap.agents.find((a) => a.agent_id === id)!.usage
    // a: model-a 4000 in × $3/M + 1000 out × $15/M = 0.012 + 0.015; 200 tokens beyond the split and unknown-model's 1000 unpriced
    expect(usage('a')).toEqual({ input: 4500, output: 1500, total: 6200, cost_usd: 0.027, unpriced: 1200 })
    // __proto__ (a model name like any other): 2000 × $1/M + 1000 × $2/M; 70 tokens of no model unpriced
    expect(usage('__proto__')).toEqual({ input: 2000, output: 1000, total: 3070, cost_usd: 0.004, unpriced: 70 })
    expect(snap.graphs.find((g) => g.graph_id === 'run-1')!.usage).toEqual({ input: 6500, output: 2500, total: 9270, cost_usd: 0.031, unpriced: 1270 })
    // the page says so too: the run's summary and the badges
    const page = await (await fetch(`${s.url}/`)).text()
    expect(page).toContain('9.3k tok · $0.03+')
    expect(page).toContain('6.2k tok · $0.03+')
    const run = await (await fetch(`${s.url}/runs/run-1`)).text()
    expect(run).toContain('9.3k tok · $0.03+')
  })

  it('come back as they were after a restart (kept in the agents\' persisted snapshots)', async () => {
    const first = await startTestServer({ stream: { prices: PRICES.prices } })
    const events = [ev('agent', 'started', { agent_id: 'keep' }), ev('model', 'response', { agent_id: 'keep', payload: { model: 'model-a', input_tokens: 2000, output_tokens: 100 } })]
    await fetch(post(`${first.url}/api/events`, events))
    await first.stop()
    const second = await startTestServer({ dbPath: first.dbPath, stream: { prices: PRICES.prices } })
    try {
      const snap = (await (await fetch(`${second.url}/api/snapshot`)).json()) as { agents: Array<{ agent_id: string; usage: unknown }> }
      expect(snap.agents.find((a) => a.agent_id === 'keep')!.usage).toEqual({ input: 2000, output: 100, total: 2100, cost_usd: 0.0075, unpriced: 0 })
    } finally {
      await second.stop()
    }
  })

  it('reads compactly', () => {
    expect([950, 1234, 12_345, 4_100_000].map(compactTokens)).toEqual(['950 tok', '1.2k tok', '12k tok', '4.1M tok'])
    expect(usageText({ input: 10, output: 0, total: 10, cost_usd: 0, unpriced: 10 })).toBe('10 tok')
    expect(usageText({ input: 10, output: 5, total: 15, cost_usd: 0.5, unpriced: 0 })).toBe('15 tok · $0.50')
  })
})

describe('SWITCHBOARD_PRICES', () => {
  const prices = (raw: string) => parseConfig([], { SWITCHBOARD_PRICES: raw })
  it('takes inline JSON or a file', async () => {
    const ok = prices('{"m": {"input": 0.15, "output": 0.6}}')
    expect(ok.help ? undefined : ok.config.prices.get('m')).toEqual({ input: 0.15, output: 0.6 })
    const file = `${tempDir()}/prices.json`
    await Bun.write(file, JSON.stringify({ 'model-a': { input: 3, output: 15 } }))
    const fromFile = prices(file)
    expect(fromFile.help ? undefined : fromFile.config.prices.get('model-a')).toEqual({ input: 3, output: 15 })
  })

  it('refuses bad tables in one line naming what is wrong', () => {
    for (const [raw, says] of [
      ['{"m": {"input": 1}}', '"m".output'],
      ['{"m": {"input": -1, "output": 1}}', '"m".input must be a price'],
      ['{"m": {"input": "1", "output": 1}}', '"m".input'],
      ['{"m": {"input": 1, "output": 1, "cached": 1}}', '"m"'],
      ['[1]', 'must be a JSON object'],
      ['{not json', 'is not JSON'],
      ['/no/such/prices.json', 'cannot read the file'],
    ]) {
      expect(() => prices(raw!)).toThrow(ConfigError)
      expect(() => prices(raw!)).toThrow(says!)
    }
  })

  it('stops the server at start with exit code 2', async () => {
    const bad = spawn({ SWITCHBOARD_DB: `${tempDir()}/s.db`, PORT: '0', SWITCHBOARD_PRICES: '{"m": {"input": "free", "output": 1}}' })
    expect(await bad.proc.exited).toBe(2)
    const lines = (await bad.output()).trim().split('\n')
    expect(lines).toEqual([expect.stringContaining('switchboard: SWITCHBOARD_PRICES: "m".input must be a price')])
  })
})
