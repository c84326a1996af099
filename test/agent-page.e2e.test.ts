// The agent page in real headless Chromium: a tool call's arguments and result read there, a step arriving live,
// and a question answered from the page (which then shows it answered, by its stream).
import { describe, expect, it } from 'bun:test'
import type { Event } from '../src/protocol/event'
import { ids, routes } from '../src/views/targets'
import { browserSuite, openPage } from './support/browser'
import { post, until } from './support/http'

const suite = browserSuite()
const { skip } = suite

let n = 0
const ev = (category: Event['category'], action: string, agentId: string, payload: Record<string, unknown> = {}): Event => ({
  id: `ape2e-${++n}`,
  timestamp: Date.now(),
  category,
  action,
  agent_id: agentId,
  payload,
})
async function ingest(...events: Event[]) {
  expect((await fetch(post(`${suite.server.url}${routes.ingest}`, events))).status).toBe(202)
  await suite.server.store.flushed()
}
/** The page's stream is open once the hub counts one more agent-page client than before. */
const streamsOpen = () => suite.server.hub.size

describe.skipIf(skip)('the agent page', () => {
  it("shows a tool call's arguments and result, and a new step as it happens", async () => {
    const agent = 'e2e-<b>"reader"</b> 🦀'
    const args = { path: 'src/<script>alert(1)</script>.ts', pattern: 'TODO' }
    await ingest(
      ev('agent', 'started', agent, { name: 'Reader <b>' }),
      ev('tool', 'called', agent, { tool: 'grep', call_id: 'g1', args }),
      ev('tool', 'completed', agent, { tool: 'grep', call_id: 'g1', result: { matches: ['a.ts:3', 'b.ts:9'] } }),
    )
    const before = streamsOpen()
    const { page, errors } = await openPage(suite.browser, suite.server.url + routes.agent(agent))
    const step = page.locator(`#${ids.agentSteps} > li.kind-tool`).first()
    expect(await step.locator('.step-name').innerText()).toBe('grep')
    // collapsed until opened
    const [argsBox, resultBox] = [step.locator('details.step-io').nth(0), step.locator('details.step-io').nth(1)]
    expect(await argsBox.locator('pre').isVisible()).toBe(false)
    await argsBox.locator('summary').click()
    expect(JSON.parse(await argsBox.locator('pre').innerText())).toEqual(args)
    await resultBox.locator('summary').click()
    expect(JSON.parse(await resultBox.locator('pre').innerText())).toEqual({ matches: ['a.ts:3', 'b.ts:9'] })
    expect(await page.locator('.agent-name').innerText()).toBe('Reader <b>')
    // live: a call made after the page opened shows up without a reload
    await until('the page to open its stream', () => streamsOpen() > before)
    await ingest(ev('tool', 'called', agent, { tool: 'pytest', call_id: 'p1', args: ['-q'] }))
    await page.locator(`#${ids.agentSteps} > li.kind-tool.status-running .step-name:text-is("pytest")`).waitFor()
    await ingest(ev('tool', 'failed', agent, { tool: 'pytest', call_id: 'p1', error: 'exit 1' }))
    await page.locator(`#${ids.agentSteps} > li.kind-tool.status-error .step-error:text-is("exit 1")`).waitFor()
    expect(await page.locator('script:not([src]), b, img').count()).toBe(0)
    expect(await page.evaluate(() => (window as { alerted?: boolean }).alerted)).toBeUndefined()
    expect(errors).toEqual([])
    await page.close()
  })

  it('answers a question from the page, which then shows it answered', async () => {
    const agent = 'e2e-asker'
    await ingest(
      ev('agent', 'started', agent, { name: 'Asker' }),
      ev('agent', 'blocked', agent, { msg_id: 'e2e-ship', question: 'Ship the release?', options: ['Ship it', 'Hold'] }),
    )
    const before = streamsOpen()
    const { page, errors } = await openPage(suite.browser, suite.server.url + routes.agent(agent))
    const card = page.locator(`#${ids.card('e2e-ship')}`)
    expect(await card.locator('.question').innerText()).toBe('Ship the release?')
    expect(await page.locator(`#${ids.agentHead} .state`).innerText()).toBe('Waiting for answer')
    await until('the page to open its stream', () => streamsOpen() > before)
    await card.locator('button.option', { hasText: 'Ship it' }).click()
    // the stream takes the card away and tells the rest: the step answered, the agent resumed, this tab's toast
    await page.locator(`#${ids.agentQuestions}[hidden]`).waitFor({ state: 'attached' })
    expect(await card.count()).toBe(0)
    const question = page.locator(`#${ids.agentSteps} > li.kind-question`)
    await question.locator('.step-answer strong:text-is("Ship it")').waitFor()
    expect(await question.locator('.step-status').innerText()).toBe('answered')
    await page.locator(`#${ids.agentHead} .state:text-is("Answer received")`).waitFor()
    await page.locator(`#${ids.toast}.ok`).waitFor()
    const record = (await (await fetch(`${suite.server.url}${routes.question('e2e-ship')}`)).json()) as { status: string; answer: string }
    expect(record).toMatchObject({ status: 'answered', answer: 'Ship it' })
    expect(errors).toEqual([])
    await page.close()
  })
})
