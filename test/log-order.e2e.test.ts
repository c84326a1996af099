// Events that arrive within one flush appear in the live log in the order a reload shows them.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Browser } from 'playwright-core'
import { makeEvent } from '../src/protocol/event'
import { ids } from '../src/views/targets'
import { launchChromium, openPage, skipBrowserTests } from './support/browser'
import { startTestServer, type TestServer } from './support/server'

let server: TestServer
let browser: Browser
const skip = skipBrowserTests()
if (!skip) {
  beforeAll(async () => {
    server = await startTestServer()
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })
}

const lines = (page: import('playwright-core').Page) => page.locator(`#${ids.eventList} > li .agent`).allInnerTexts()

describe.skipIf(skip)('live log order', () => {
  it('shows a burst in the same order as after a reload', async () => {
    const { page } = await openPage(browser, server.url)
    await page.locator(`#${ids.eventList}`).waitFor({ state: 'attached' })
    // One burst, well inside one 50 ms flush.
    for (const id of ['first', 'second', 'third', 'fourth']) server.bus.publish(makeEvent('agent', 'started', { agent_id: `burst-${id}` }))
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
