// The inspector in real headless Chromium: an event ingested over HTTP moves the lit state on an open page.
import { describe, expect, it } from 'bun:test'
import { DEFAULT_ACTOR_LIMIT } from '../src/inspector/inspector'
import { ids, routes } from '../src/views/targets'
import { browserSuite, openPage } from './support/browser'
import { post } from './support/http'

const suite = browserSuite()
const { skip } = suite


describe.skipIf(skip)('inspector page', () => {
  it('moves the highlight when an ingested event changes the agent’s state', async () => {
    const agent = `e2e-<b>"agent"</b>`
    expect((await fetch(post(`${suite.server.url}${routes.ingest}`, { id: 'e2e-1', timestamp: Date.now(), category: 'agent', action: 'started', agent_id: agent, payload: {} }))).status).toBe(202)
    const { page, errors } = await openPage(suite.browser, suite.server.url + routes.inspect(agent))
    await page.locator('.state-node.current[data-state="agent.running"]').waitFor()
    // Ingest from the page itself, as any producer would, once the stream is open (its first frame re-sends the sequence).
    await page.locator(`#${ids.inspectSequence} > li`).first().waitFor()
    const status = await page.evaluate(
      async ([url, body]) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
      [routes.ingest, JSON.stringify({ id: 'e2e-2', timestamp: Date.now(), category: 'agent', action: 'blocked', agent_id: agent, payload: { msg_id: 'e2e-q', question: 'ok?' } })],
    )
    expect(status).toBe(202)
    await page.locator('.state-node.current[data-state="agent.blocked"]').waitFor()
    expect(await page.locator('.state-node.current').count()).toBe(1)
    await page.locator('.edge.last[data-target="agent.blocked"]').waitFor()
    expect(await page.locator(`#${ids.inspectSequence} > li`).first().locator('.ev').innerText()).toBe('AGENT_BLOCKED')
    expect(await page.locator('b').count()).toBe(0)
    expect(errors).toEqual([])
    await page.close()
  })

  it('time travel: clicking an earlier entry shows the earlier state', async () => {
    const { page, errors } = await openPage(suite.browser, suite.server.url + routes.inspect(`e2e-<b>"agent"</b>`))
    await page.locator(`#${ids.inspectEntry(2)} a`).click()
    await page.locator(`#${ids.inspectEntry(2)}.selected`).waitFor()
    expect(await page.locator('.state-node.current').getAttribute('data-state')).toBe('agent.running')
    expect(errors).toEqual([])
    await page.close()
  })

  it('rebuilds an agent the inspector forgot, expands a long result, and goes live when the agent acts again', async () => {
    const agent = 'e2e-rebuilt'
    const event = (n: number, category: string, action: string, payload: Record<string, unknown>, agent_id = agent) => ({ id: `e2e-rb-${agent_id}-${n}`, timestamp: Date.now(), category, action, agent_id, payload })
    const ingest = async (events: unknown[]) => expect((await fetch(post(`${suite.server.url}${routes.ingest}`, events))).status).toBe(202)
    await ingest([event(1, 'agent', 'started', {}), event(2, 'tool', 'called', { tool: 'fetch', args: { url: 'https://example.com' } }), event(3, 'tool', 'completed', { tool: 'fetch', result: `${'x'.repeat(300)} end of the result` })])
    await ingest(Array.from({ length: DEFAULT_ACTOR_LIMIT }, (_, i) => event(1, 'agent', 'started', {}, `e2e-crowd-${i}`)))
    const { page, errors } = await openPage(suite.browser, suite.server.url + routes.inspect(agent))
    await page.locator(`#${ids.inspectStatus} .rebuilt`).waitFor()
    await page.locator('.fact-more summary').first().click()
    expect(await page.locator('.fact-more[open] pre').innerText()).toEndWith('end of the result')
    const status = await page.evaluate(
      async ([url, body]) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
      [routes.ingest, JSON.stringify(event(4, 'tool', 'called', { tool: 'parse', args: { from: 'page' } }))],
    )
    expect(status).toBe(202)
    await page.locator(`#${ids.inspectStatus} .live`).waitFor()
    expect(await page.locator(`#${ids.inspectSequence} > li .what`).first().innerText()).toBe('called parse')
    expect(errors).toEqual([])
    await page.close()
  })
})
