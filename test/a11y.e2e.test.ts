// axe-core in real headless Chromium, under the pages' own CSP: the dashboard with a card of every kind and
// agents in every state, a run's page and an inspector page, light and dark, with no serious or critical violation.
import { describe, expect, it } from 'bun:test'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { makeEvent } from '../src/protocol/event'
import { routes } from '../src/views/targets'
import { browserSuite, openPage } from './support/browser'
import { askEveryKind } from './support/questions'

const suite = browserSuite()
const { skip } = suite
const AXE = readFileSync(fileURLToPath(import.meta.resolve('axe-core/axe.min.js')), 'utf8')
const RUN = 'run-a11y'

interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: string[]
}

/** axe's serious and critical violations on the page as it is now. */
async function violations(page: Page): Promise<Violation[]> {
  // Evaluated through the debugging protocol, so the page's CSP stays as it is served.
  await page.evaluate(AXE)
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }))
  })
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical')
}

/** Agents in every state, so every state colour is on the page. */
function everyState() {
  const { bus, questions } = suite.server
  const started = (agent_id: string, name: string) => bus.publish(makeEvent('agent', 'started', { agent_id, graph_id: RUN, payload: { name } }))
  started('a11y-done', 'Finisher')
  bus.publish(makeEvent('agent', 'completed', { agent_id: 'a11y-done', graph_id: RUN, payload: { result: 'all green' } }))
  started('a11y-failed', 'Breaker')
  bus.publish(makeEvent('agent', 'failed', { agent_id: 'a11y-failed', graph_id: RUN, payload: { error: 'exit 1' } }))
  started('a11y-resumed', 'Resumer')
  const { msg_id } = questions.ask({ agent_id: 'a11y-resumed', graph_id: RUN, question: 'Go on?' })
  questions.respond('a11y-resumed', msg_id, 'yes')
  started('a11y-skipped', 'Skipper')
  bus.publish(makeEvent('agent', 'skipped', { agent_id: 'a11y-skipped', graph_id: RUN }))
  started('a11y-running', 'Runner')
  bus.publish(makeEvent('tool', 'started', { agent_id: 'a11y-running', graph_id: RUN, payload: { tool: 'pytest' } }))
}

describe.skipIf(skip)('accessibility (axe-core)', () => {
  it.each(['light', 'dark'] as const)('finds nothing serious on the dashboard, a run, an inspector page and an agent page (%s)', async (colorScheme) => {
    if (colorScheme === 'light') {
      everyState()
      await askEveryKind(suite.server, RUN)
    }
    const { page, errors } = await openPage(suite.browser, suite.server.url)
    await page.emulateMedia({ colorScheme })
    const pages: Array<[string, string]> = [
      ['/', '.card.kind-form'],
      [routes.runs(RUN), '.run-page'],
      [routes.inspect('kinds-migrate'), '.state-node.current'],
      [routes.agent('kinds-migrate'), '.agent-head'],
    ]
    const found: Record<string, Violation[]> = {}
    for (const [url, ready] of pages) {
      await page.goto(suite.server.url + url)
      await page.locator(ready).first().waitFor()
      found[url] = await violations(page)
    }
    expect(found).toEqual(Object.fromEntries(pages.map(([url]) => [url, []])))
    expect(errors).toEqual([])
    await page.close()
  })
})
