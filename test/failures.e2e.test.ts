// In a run of 300 running agents and one failed, the failed one is found from the header in one click, with its
// error; and on the dashboard its badge comes before the running ones. A stalled run's link opens the queue
// filtered to that run.
import { describe, expect, it } from 'bun:test'
import { makeEvent } from '../src/protocol/event'
import { ids, routes } from '../src/views/targets'
import { browserSuite, openPage } from './support/browser'

const suite = browserSuite()
const ERROR = 'pytest exit 1\n  tests/test_api.py::test_login - AssertionError: 401 != 200'

describe.skipIf(suite.skip)('a failure in a large run', () => {
  it("is one click from the header's failed count, shown with its error", async () => {
    const { bus, stream, url } = suite.server
    const say = (action: string, agent_id: string, payload: Record<string, unknown> = {}) => bus.publish(makeEvent('agent', action, { agent_id, graph_id: 'big', payload }))
    for (let i = 0; i < 300; i++) say('started', `run-${i}`, { name: `Worker ${i}` })
    say('started', 'tests', { name: 'Run the tests' })
    say('failed', 'tests', { error: ERROR })
    await bus.persisted()
    stream.flush()
    const { page, errors } = await openPage(suite.browser, url)
    // A missing element fails here, saying which, before the test's own timeout does.
    page.setDefaultTimeout(10_000)
    // On the dashboard: the failed badge first (nothing waits for an answer), its error's first line on it.
    const first = page.locator(`#${ids.agentList} > li`).first()
    await first.waitFor()
    expect(await first.getAttribute('id')).toBe(ids.agent('tests'))
    expect(await first.locator('.error').innerText()).toBe('pytest exit 1')
    // One click on the header's count opens the list that shows it, with its error.
    const failed = page.locator(`#${ids.summary} .count.failed a`)
    expect(await failed.innerText()).toBe('1 failed')
    await Promise.all([page.waitForURL('**/agents?state=failed'), failed.click()])
    const group = page.locator('.error-group')
    expect(await group.locator('.error-group-head').innerText()).toBe('1 agent: pytest exit 1')
    const badge = group.locator(`#${ids.agent('tests')}`)
    expect(await badge.locator('.name').innerText()).toBe('Run the tests')
    expect(await badge.locator('.error').getAttribute('title')).toBe(ERROR)
    expect(await page.locator('.badge').count()).toBe(1)
    expect(errors).toEqual([])
    await page.close()
  })
})

describe.skipIf(suite.skip)('a stalled run', () => {
  it('links from the runs list to the queue showing only its questions', async () => {
    const { bus, stream, url } = suite.server
    const ask = (graph_id: string, agent_id: string) => {
      bus.publish(makeEvent('graph', 'started', { graph_id, payload: { agents: [{ agent_id }] } }))
      bus.publish(makeEvent('agent', 'started', { agent_id, graph_id }))
      bus.publish(makeEvent('agent', 'blocked', { agent_id, graph_id, payload: { msg_id: `q-${agent_id}`, question: `Go on, ${agent_id}?` } }))
    }
    ask('stuck-a', 'asker-a')
    ask('stuck-b', 'asker-b')
    await bus.persisted()
    stream.flush()
    const { page, errors } = await openPage(suite.browser, `${url}${routes.runs()}`)
    page.setDefaultTimeout(10_000)
    const link = page.locator(`a.stalled[href="${routes.queue('stuck-a')}"]`)
    expect(await link.innerText()).toBe('stalled on 1 question')
    await Promise.all([page.waitForURL(`**${routes.queue('stuck-a')}`), link.click()])
    await page.locator(`#${ids.card('q-asker-a')}`).waitFor({ state: 'visible' })
    await page.locator(`#${ids.card('q-asker-b')}`).waitFor({ state: 'hidden' })
    expect(await page.locator('.queue-filter').inputValue()).toBe('stuck-a')
    expect(errors).toEqual([])
    await page.close()
  })
})
