// The agent page's first page stays small: an agent with 10,000 steps, and one whose every step carries the most text kept.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { MAX_STEP_TEXT } from '../src/protocol/limits'
import type { Event } from '../src/protocol/event'
import { ids, routes } from '../src/views/targets'
import { req } from './support/http'
import { startTestServer, type TestServer } from './support/server'

/** The bound on the first page of an agent with 10,000 steps. */
const FIRST_PAGE_BYTES = 150_000
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0)

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ listen: false })
})
afterAll(() => s.stop())

/** Publish in slices, each stored before the next: one batch of 20,000 would hold the loop for long. */
async function publish(events: Event[]) {
  for (let i = 0; i < events.length; i += 2_000) await s.bus.ingest(events.slice(i, i + 2_000))
  await s.store.flushed()
}

const page = async (path: string) => {
  const res = await s.app.handle(req(path))
  expect(res.status).toBe(200)
  const bytes = new Uint8Array(await res.arrayBuffer())
  return { bytes: bytes.byteLength, html: new TextDecoder().decode(bytes) }
}
const stepSeqs = (html: string) => [...html.matchAll(/<li id="ap-step-(\d+)"/g)].map((m) => Number(m[1]))

/** Steps as a working agent reports them: tool calls with arguments and results, model calls with prompt and completion. */
function typicalSteps(agentId: string, count: number): Event[] {
  const events: Event[] = [{ id: `${agentId}-start`, timestamp: T0, category: 'agent', action: 'started', agent_id: agentId, payload: {} }]
  for (let i = 0; i < count; i++) {
    const at = T0 + 1 + i * 10
    const call = `${agentId}-c${i}`
    if (i % 3 === 2) {
      const input = `Summarise the findings in src/module-${i}/ for the release notes. Keep it to three bullet points and name the files.`
      const output = `- module-${i}: 4 TODOs left in handler.ts\n- tests cover 82% of the branch\n- one deprecated call (fetchLegacy) to replace`
      events.push(
        { id: `${call}-q`, timestamp: at, category: 'model', action: 'request', agent_id: agentId, payload: { model: 'gpt-x', call_id: call, input } },
        { id: `${call}-r`, timestamp: at + 5, category: 'model', action: 'response', agent_id: agentId, payload: { model: 'gpt-x', call_id: call, output, input_tokens: 812, output_tokens: 95 } },
      )
    } else {
      const args = { path: `src/module-${i}/handler.ts`, pattern: 'TODO|FIXME', context: 2 }
      const result = { matches: 4, files: [`src/module-${i}/handler.ts`, `src/module-${i}/routes.ts`], first: `// TODO(${i}): retry on 503` }
      events.push(
        { id: `${call}-a`, timestamp: at, category: 'tool', action: 'called', agent_id: agentId, payload: { tool: 'grep', call_id: call, args } },
        { id: `${call}-b`, timestamp: at + 3, category: 'tool', action: 'completed', agent_id: agentId, payload: { tool: 'grep', call_id: call, result } },
      )
    }
  }
  return events
}

describe('the first page of an agent with many steps', () => {
  it(`stays under ${FIRST_PAGE_BYTES} bytes with 10,000 steps, and pages on to the rest`, async () => {
    await publish(typicalSteps('busy', 10_000))
    const first = await page(routes.agent('busy'))
    expect(first.bytes).toBeLessThanOrEqual(FIRST_PAGE_BYTES)
    expect(first.html.match(/\d+ steps, \d+ on this page/)?.[0]).toBe('10000 steps, 100 on this page')
    expect(stepSeqs(first.html).length).toBe(100)
    const next = first.html.match(/<a href="([^"]+)">Next page →<\/a>/)![1]!.replaceAll('&amp;', '&')
    const second = await page(next)
    expect(Math.min(...stepSeqs(second.html))).toBeGreaterThan(Math.max(...stepSeqs(first.html)))
    console.info(`agent page, 10,000 typical steps: first page ${first.bytes} bytes`)
  }, 120_000)

  it('cuts a page of steps that each carry the most text kept, and the next page goes on after the last one shown', async () => {
    const huge = 'x<'.repeat(MAX_STEP_TEXT / 2)
    const events: Event[] = []
    for (let i = 0; i < 120; i++) {
      const payload = { tool: 'dump', call_id: `h${i}` }
      events.push(
        { id: `huge-${i}-a`, timestamp: T0 + i, category: 'tool', action: 'called', agent_id: 'huge', payload: { ...payload, args: huge } },
        { id: `huge-${i}-b`, timestamp: T0 + i, category: 'tool', action: 'completed', agent_id: 'huge', payload: { ...payload, result: { text: huge } } },
      )
    }
    await publish(events)
    const first = await page(routes.agent('huge'))
    expect(first.bytes).toBeLessThanOrEqual(FIRST_PAGE_BYTES)
    const shown = stepSeqs(first.html)
    expect(shown.length).toBeGreaterThan(0)
    expect(shown.length).toBeLessThan(100)
    expect(first.html.match(/\d+ steps, \d+ on this page/)?.[0]).toBe(`120 steps, ${shown.length} on this page`)
    const next = first.html.match(/<a href="([^"]+)">Next page →<\/a>/)![1]!.replaceAll('&amp;', '&')
    const second = stepSeqs((await page(next)).html)
    // the page says it cut them and links to the JSON, which has them as stored
    expect(first.html).toContain(`<a href="${routes.agentApi('huge')}">the texts as stored, in JSON</a>`)
    const all = (await s.app.handle(req(`${routes.agentApi('huge')}?limit=500`)).then((r) => r.json())) as { steps: { steps: Array<{ seq: number; input: string }> } }
    expect(all.steps.steps[0]!.input).toBe(huge)
    const seqs = all.steps.steps.map((step) => step.seq)
    // no step skipped, none shown twice
    expect(second[0]).toBe(seqs[seqs.indexOf(shown.at(-1)!) + 1]!)
    expect(first.html).toContain(`id="${ids.agentPager}"`)
  }, 60_000)
})
