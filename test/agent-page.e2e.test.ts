// The agent page in real headless Chromium: a tool call's arguments and result read there, a step arriving live,
// and a question answered from the page (which then shows it answered, by its stream).
import { describe, expect, it } from 'bun:test'
import { agentStreamKey } from '../src/live/agent-stream'
import type { Event } from '../src/protocol/event'
import { ids, routes } from '../src/views/targets'
import { browserSuite, openPage, screenshotPath } from './support/browser'
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
/** Whether a page of this agent (unfiltered) has its stream open: the hub has a client on its key. */
const streamOpen = (agentId: string) => suite.server.hub.channel('agent').activeKeys().has(agentStreamKey(agentId, { kinds: [], errorsOnly: false }))

describe.skipIf(skip)('the agent page', () => {
  it("shows a tool call's arguments and result, and a new step as it happens", async () => {
    const agent = 'e2e-<b>"reader"</b> 🦀'
    const args = { path: 'src/<script>alert(1)</script>.ts', pattern: 'TODO' }
    await ingest(
      ev('agent', 'started', agent, { name: 'Reader <b>' }),
      ev('tool', 'called', agent, { tool: 'grep', call_id: 'g1', args }),
      ev('tool', 'completed', agent, { tool: 'grep', call_id: 'g1', result: { matches: ['a.ts:3', 'b.ts:9'] } }),
    )
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
    await until('the page to open its stream', () => streamOpen(agent))
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
    const { page, errors } = await openPage(suite.browser, suite.server.url + routes.agent(agent))
    const card = page.locator(`#${ids.card('e2e-ship')}`)
    expect(await card.locator('.question').innerText()).toBe('Ship the release?')
    expect(await page.locator(`#${ids.agentHead} .state`).innerText()).toBe('Waiting for answer')
    await until('the page to open its stream', () => streamOpen(agent))
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

  it('writes the screenshots of docs/: desktop, dark and phone', async () => {
    const agent = 'release-writer'
    // the question asked now, as its record says, so that its card and its step tell the same time
    const t = Date.now() - 11_000
    const at = (s: number, e: Event) => ({ ...e, timestamp: t + s * 1_000 })
    await ingest(
      at(0, ev('agent', 'started', agent, { name: 'Release writer' })),
      at(1, ev('tool', 'called', agent, { tool: 'git_log', call_id: 's1', args: { since: 'v1.3.0', paths: ['src/'] } })),
      at(2, ev('tool', 'completed', agent, { tool: 'git_log', call_id: 's1', result: { commits: 42, authors: ['ann', 'bo'] } })),
      at(3, ev('model', 'request', agent, { model: 'gpt-x', call_id: 'm1', input: 'Group these 42 commits into release notes: features, fixes, breaking changes.' })),
      at(5, ev('model', 'response', agent, { model: 'gpt-x', call_id: 'm1', output: '## Features\n- Agent pages for every stored agent\n## Fixes\n- Counts agree across pages', input_tokens: 3120, output_tokens: 410, duration_ms: 2400 })),
      at(6, ev('tool', 'called', agent, { tool: 'pytest', call_id: 's2', args: ['-q', 'tests/'] })),
      at(7, ev('tool', 'called', agent, { tool: 'read_file', call_id: 's3', parent_id: 's2', args: { path: 'tests/test_notes.py' } })),
      at(8, ev('tool', 'completed', agent, { tool: 'read_file', call_id: 's3', result: 'def test_breaking_section(): ...' })),
      at(9, ev('tool', 'failed', agent, { tool: 'pytest', call_id: 's2', error: 'exit 1: tests/test_notes.py::test_breaking_section FAILED' })),
      at(10, ev('agent', 'note', agent, { text: 'One test fails on the breaking-changes section; asking before publishing.' })),
      at(11, ev('agent', 'blocked', agent, { msg_id: 'shot-q', question: 'Publish the release notes with one failing test?', options: ['Publish', 'Fix the test first'] })),
    )
    const { page, errors } = await openPage(suite.browser, suite.server.url + routes.agent(agent), { width: 1280, height: 1000 })
    await page.locator(`#${ids.agentSteps} details.step-io`).nth(2).locator('summary').click()
    await page.screenshot({ path: screenshotPath('agent-page.png'), fullPage: true })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.screenshot({ path: screenshotPath('agent-page-dark.png'), fullPage: true })
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await page.screenshot({ path: screenshotPath('agent-page-phone.png'), fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  })
})
