// The inspector in real headless Chromium: an event ingested over HTTP moves the lit state on an open page.
import { describe, expect, it } from 'bun:test'
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
})
