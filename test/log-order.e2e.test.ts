// Events that arrive within one flush appear in the live log in the order a reload shows them.
import { describe, expect, it } from 'bun:test'
import { makeEvent } from '../src/protocol/event'
import { ids } from '../src/views/targets'
import { browserSuite, openPage } from './support/browser'

const suite = browserSuite()
const { skip } = suite

const lines = (page: import('playwright-core').Page) => page.locator(`#${ids.eventList} > li .agent`).allInnerTexts()

describe.skipIf(skip)('live log order', () => {
  it('shows a burst in the same order as after a reload', async () => {
    const { page } = await openPage(suite.browser, suite.server.url)
    await page.locator(`#${ids.eventList}`).waitFor({ state: 'attached' })
    // One burst, well inside one 50 ms flush.
    for (const id of ['first', 'second', 'third', 'fourth']) suite.server.bus.publish(makeEvent('agent', 'started', { agent_id: `burst-${id}` }))
    await page.locator(`#${ids.agent('burst-fourth')}`).waitFor()
    const live = (await lines(page)).filter((l) => l.startsWith('burst-'))
    await page.reload()
    await page.locator(`#${ids.agent('burst-fourth')}`).waitFor()
    const reloaded = (await lines(page)).filter((l) => l.startsWith('burst-'))
    expect(reloaded).toEqual(['burst-fourth', 'burst-third', 'burst-second', 'burst-first'])
    expect(live).toEqual(reloaded)
    await page.close()
  })
})
