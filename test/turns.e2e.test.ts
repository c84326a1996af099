// Sessions that go on (issue 23), seen live in Chromium: an agent completes, works again (turn 2) and waits for
// its user, each step reaching the open dashboard by the stream, through POST /api/events as a producer sends it.
import { describe, expect, it } from 'bun:test'
import { ids } from '../src/views/targets'
import { browserSuite, openPage } from './support/browser'

const suite = browserSuite()
let n = 0
async function send(action: string, category = 'agent', payload: Record<string, unknown> = {}) {
  const res = await fetch(`${suite.server.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: `e2e-turn-${++n}`, timestamp: Date.now(), category, action, agent_id: 'support-chat', payload }),
  })
  expect(res.status).toBe(202)
  expect(((await res.json()) as { ignored: number }).ignored).toBe(0)
}

describe.skipIf(suite.skip)('an agent through its turns, live', () => {
  it('completes, works again as turn 2, then waits for its user in its own words and colour', async () => {
    const { page, errors } = await openPage(suite.browser, suite.server.url)
    await page.locator(`#${ids.agentList}`).waitFor({ state: 'attached' })
    const badge = page.locator(`#${ids.agent('support-chat')}`)
    await send('started', 'agent', { name: 'Support chat' })
    await page.locator(`#${ids.agent('support-chat')}.state-running`).waitFor()
    expect(await badge.locator('.turn').count()).toBe(0)

    await send('completed', 'agent', { summary: 'Answered the first question' })
    await page.locator(`#${ids.agent('support-chat')}.state-done`).waitFor()

    await send('called', 'tool', { tool: 'search_docs', call_id: 'c1' })
    await page.locator(`#${ids.agent('support-chat')}.state-running .turn`).waitFor()
    expect(await badge.locator('.state').innerText()).toContain('Running · turn 2')
    expect(await badge.locator('.tool').innerText()).toBe('search_docs')

    await send('waiting', 'agent', { reason: 'Waiting for the next message' })
    await page.locator(`#${ids.agent('support-chat')}.state-waiting`).waitFor()
    expect(await badge.locator('.state').innerText()).toContain('Waiting for its user · turn 2')
    expect(await badge.locator('.state').getAttribute('title')).toBe('Waiting for the next message')
    // Its own colour, not the blocked amber nor the running blue.
    const colour = await badge.evaluate((el) => getComputedStyle(el).borderLeftColor)
    expect(colour).toBe('rgb(15, 118, 110)')
    expect(errors).toEqual([])
    await page.close()
  })
})
