// A run's graph in real headless Chromium: nodes change class live as their agents change state; a click opens the agent.
import { describe, expect, it } from 'bun:test'
import { runDemoSwarm, type Asker } from '../src/demo/swarm'
import type { Event } from '../src/protocol/event'
import { ids, routes } from '../src/views/targets'
import { browserSuite, openPage, screenshotPath } from './support/browser'
import { post } from './support/http'

const suite = browserSuite()
const { skip } = suite

const SVG = 'http://www.w3.org/2000/svg'
const HOSTILE = '</svg><script>window.pwned=1</script>'
const GRAPH = '__proto__'
let n = 0
const ev = (category: string, action: string, fields: Record<string, unknown> = {}) => ({ id: `rge-${++n}`, timestamp: Date.now(), category, action, graph_id: GRAPH, payload: {}, ...fields })
const ingest = async (body: unknown) => {
  const res = await fetch(post(`${suite.server.url}${routes.ingest}`, body))
  expect(res.status).toBe(202)
}

describe.skipIf(skip)('run graph page', () => {
  it('recolours a node when its agent changes state, keeps it SVG, and opens the agent on a click', async () => {
    await ingest(ev('graph', 'started', { payload: { agents: [{ agent_id: 'plan' }, { agent_id: HOSTILE, name: HOSTILE, depends_on: ['plan'] }] } }))
    const { page, errors } = await openPage(suite.browser, suite.server.url + routes.runGraph(GRAPH))
    const node = page.locator(`[id="${ids.runGraphNode(HOSTILE)}"]`)
    expect(await page.locator('.rg-node').count()).toBe(2)
    expect(await page.locator('.rg-edge').count()).toBe(1)
    expect(await node.getAttribute('class')).toBe('rg-node state-idle')
    // The stream's first frame redraws the graph, marked live: from then on a redraw would drop an attribute
    // the server never sent, so the changes below must arrive as patches of single nodes.
    await page.locator(`#${ids.runGraph}.live`).waitFor()
    await page.evaluate((id) => document.getElementById(id)!.setAttribute('mark', 'patched-only'), ids.runGraph)
    await ingest(ev('agent', 'started', { agent_id: HOSTILE }))
    await page.locator(`[id="${ids.runGraphNode(HOSTILE)}"].state-running`).waitFor()
    await ingest(ev('agent', 'failed', { agent_id: HOSTILE, payload: { error: 'boom' } }))
    await page.locator(`[id="${ids.runGraphNode(HOSTILE)}"].state-failed`).waitFor()
    // A patched node is still SVG (parsed as HTML a <g> would not be), and nothing the names held ran.
    expect(await node.evaluate((el) => el.namespaceURI)).toBe(SVG)
    expect(await node.locator('rect').evaluate((el) => el.namespaceURI)).toBe(SVG)
    expect(await page.evaluate(() => (window as { pwned?: number }).pwned)).toBeUndefined()
    expect(await page.locator(`#${ids.runGraph}`).getAttribute('mark')).toBe('patched-only')
    expect(await page.locator('.rg-node').count()).toBe(2)
    expect(await page.locator(`[id="${ids.runGraphNode('plan')}"]`).getAttribute('class')).toBe('rg-node state-idle')
    await node.locator('a').click()
    await page.waitForURL(`**${routes.agent(HOSTILE)}`)
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows a demo run live (docs/run-graph.png)', async () => {
    const demo = new AbortController()
    const started = new Promise<Event>((resolve) => {
      const stop = suite.server.bus.listen((e) => {
        if (e.category === 'graph' && e.action === 'started' && e.graph_id?.startsWith('run-')) resolve(e), stop()
      })
    })
    // Nobody answers, and the asker says so: an agent that asks holds its node blocked (seed 11's r1-lint-parser asks
    // right after the scan), so the run cannot end, nor the next begin, before the page has drawn it.
    const unanswered: Asker = { ask: (body) => suite.server.questions.ask(body), waitForAnswer: () => new Promise(() => {}) }
    const done = runDemoSwarm({ bus: suite.server.bus, asker: unanswered, signal: demo.signal, speed: 10, seed: 11 })
    try {
      const { graph_id } = await started
      const { page, errors } = await openPage(suite.browser, suite.server.url + routes.runGraph(graph_id!))
      await page.locator('.rg-node.state-done').first().waitFor({ timeout: 25_000 })
      await page.locator('.rg-node.state-blocked').first().waitFor({ timeout: 25_000 })
      await page.locator(`#${ids.runGraph}`).screenshot({ path: screenshotPath('run-graph.png') })
      expect(errors).toEqual([])
      await page.close()
    } finally {
      demo.abort()
      await done
    }
  }, 60_000)
})
