// The badge list patched piece by piece (agents joining, leaving the page, changing group) ends up in the
// order a reload shows, and one agent's change sends that badge, not the list.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Page } from 'playwright-core'
import { makeEvent } from '../src/protocol/event'
import { ids } from '../src/views/targets'
import type { Browser } from 'playwright-core'
import { launchChromium, openPage, skipBrowserTests } from './support/browser'
import { readUntil, startTestServer, type TestServer } from './support/server'
import { post } from './support/http'

const skip = skipBrowserTests()
const suite = { server: undefined as unknown as TestServer, browser: undefined as unknown as Browser }
if (!skip) {
  beforeAll(async () => {
    // The clock held still and no ticker: a badge changes only when its agent does, so every flush below
    // is patched piece by piece (a second ticking by would change every running badge and send the list whole).
    const now = Date.now() + 60_000
    suite.server = await startTestServer({ stream: { now: () => now, tickMs: 3_600_000 } })
    suite.browser = await launchChromium()
  })
  afterAll(async () => {
    await suite.browser?.close()
    await suite.server?.stop()
  })
}

const order = (page: Page) => page.locator(`#${ids.agentList} > li`).evaluateAll((els) => els.map((el) => el.id))
/** The badge ids in the order a reload shows them: the page as the server renders it now. */
async function pageOrder(): Promise<string[]> {
  const html = await (await fetch(suite.server.url)).text()
  const list = html.slice(html.indexOf(`id="${ids.agentList}"`), html.indexOf('</ul>', html.indexOf(`id="${ids.agentList}"`)))
  return [...list.matchAll(/<li id="([^"]+)"/g)].map((m) => m[1]!)
}
const say = (action: string, agent_id: string, payload: Record<string, unknown> = {}) =>
  suite.server.bus.publish(makeEvent('agent', action, { agent_id, graph_id: 'list', payload }))

describe.skipIf(skip)('the live badge list', () => {
  it('keeps the order a reload shows while agents join, move between groups and leave the page', async () => {
    const { page, errors } = await openPage(suite.browser, suite.server.url)
    await page.locator(`#${ids.agentList}`).waitFor({ state: 'attached' })
    // Past 100 agents the page groups them: waiting first, then failed, then working; finished ones only counted.
    for (let i = 0; i < 120; i++) say('started', `w-${i}`)
    await page.locator(`#${ids.agent('w-99')}`).waitFor({ state: 'attached' })
    const steps: Array<[string, () => void]> = [
      ['one blocks (to the top)', () => say('blocked', 'w-50', { msg_id: 'q-w50', question: 'Which way?' })],
      ['one fails (after the waiting ones)', () => say('failed', 'w-7', { error: 'boom' })],
      ['one finishes (off the page; the 101st working one comes on)', () => say('completed', 'w-9')],
      ['one joins', () => say('started', 'w-late')],
      ['several at once', () => {
        say('completed', 'w-0')
        say('blocked', 'w-1', { msg_id: 'q-w1', question: 'And now?' })
        say('resumed', 'w-50', { msg_id: 'q-w50', answer: 'left' })
        say('failed', 'w-2', { error: 'also' })
      }],
    ]
    for (const [what, act] of steps) {
      act()
      await suite.server.bus.persisted()
      suite.server.stream.flush()
      const reloaded = await pageOrder()
      // The live page converges on exactly what a reload shows (else the wait fails and shows both).
      const same = await page
        .waitForFunction(([list, want]) => Array.from(document.querySelectorAll(`#${list} > li`), (el) => el.id).join() === want, [ids.agentList, reloaded.join()], { timeout: 5000 })
        .then(() => true, () => false)
      expect({ what, live: same ? reloaded : await order(page) }).toEqual({ what, live: reloaded })
    }
    expect(errors).toEqual([])
    await page.close()
  })

  it('counts times in state and waiting times in the page, with nothing sent while they grow', async () => {
    const asked = await fetch(post(`${suite.server.url}/api/questions`, { agent_id: 'w-ask', question: 'Go?', msg_id: 'q-ask' }))
    expect(asked.status).toBe(201)
    const { page, errors } = await openPage(suite.browser, suite.server.url)
    const wait = page.locator(`#${ids.cardControl('q-ask', 'wait')}`)
    const since = page.locator(`#${ids.agent('w-ask')} .since`)
    await wait.waitFor()
    expect(await wait.innerText()).toMatch(/^waiting \d+s$/)
    expect(await since.innerText()).toMatch(/^\d+s$/)
    // It counts on by itself (the server's clock is held still here, and no frame arrives).
    const first = await wait.innerText()
    await page.waitForFunction(([sel, was]) => document.querySelector(sel!)?.textContent !== was, [`#${ids.cardControl('q-ask', 'wait')}`, first])
    expect(await wait.innerText()).toMatch(/^waiting \d+s$/)
    expect(errors).toEqual([])
    await page.close()
  })
})

/** The list as markup, minus what the browser adds (Datastar's ids and merge marks, clock.js's text). */
function listMarkup(list: Element | null): string {
  if (!list) return 'no list'
  const copy = list.cloneNode(true) as Element
  for (const el of [copy, ...Array.from(copy.querySelectorAll('*'))]) {
    el.removeAttribute('data-fragment-merge-target')
    if (el.id.startsWith('datastar')) el.removeAttribute('id')
  }
  for (const el of Array.from(copy.querySelectorAll('[data-since]'))) el.textContent = ''
  return copy.outerHTML
}
const MARKUP = `(${listMarkup.toString()})`

describe.skipIf(skip)('the live badge list of agents with odd ids', () => {
  // An agent named `list` had the list's own element id: its badge's morph replaced the whole list.
  const ODD = ['list', 'counts', '__proto__', 'constructor', 'toString', `it's "q"`, 'ünï', '🦀', 'x'.repeat(200), '-', '<b>', '0', 'a#b', '\\']
  it('is, after every change, the markup a reload shows, in two tabs, across the 100-agent threshold and back', async () => {
    const now = Date.now() + 60_000
    const server = await startTestServer({ stream: { now: () => now, tickMs: 3_600_000 } })
    const tabs = [await openPage(suite.browser, server.url), await openPage(suite.browser, server.url)]
    try {
      for (const { page } of tabs) await page.locator(`#${ids.agentList}`).waitFor({ state: 'attached' })
      const say = (action: string, agent_id: string, payload: Record<string, unknown> = {}) =>
        server.bus.publish(makeEvent('agent', action, { agent_id, graph_id: agent_id.startsWith('n-') ? 'bulk' : 'odd', payload }))
      const converge = async (what: string) => {
        // Shown once stored: the reload and the stream both see what the group commit took.
        await server.bus.persisted()
        server.stream.flush()
        const html = await (await fetch(server.url)).text()
        for (const [tab, { page }] of tabs.entries()) {
          const want = await page.evaluate(([markup, html, list]) => (0, eval)(markup!)(new DOMParser().parseFromString(html!, 'text/html').getElementById(list!)), [MARKUP, html, ids.agentList])
          const same = await page.waitForFunction(([markup, want, list]) => (0, eval)(markup!)(document.getElementById(list!)) === want, [MARKUP, want, ids.agentList], { timeout: 5000 }).then(() => true, () => false)
          const live = same ? want : await page.evaluate(([markup, list]) => (0, eval)(markup!)(document.getElementById(list!)), [MARKUP, ids.agentList])
          expect({ what, tab, live }).toEqual({ what, tab, live: want })
        }
      }
      for (const id of ODD) say('started', id)
      await converge('odd ones join')
      say('blocked', 'list', { msg_id: 'q-list', question: 'Which?' })
      await converge('`list` blocks (to the top)')
      say('failed', 'counts', { error: 'boom' })
      await converge('`counts` fails (to the bottom)')
      for (let i = 0; i < 100; i++) say('started', `n-${i}`)
      await converge('past 100: grouped by state')
      // A seeded run of changes, a few at a time: the same on every run.
      let seed = 7
      const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n
      const pool = [...ODD, ...Array.from({ length: 100 }, (_, i) => `n-${i}`)]
      for (let step = 0; step < 16; step++) {
        const did: string[] = []
        for (let j = 1 + rnd(5); j > 0; j--) {
          const id = pool[rnd(pool.length)]!
          const action = ['started', 'blocked', 'resumed', 'completed', 'failed'][rnd(5)]!
          say(action, id, action === 'blocked' ? { msg_id: `q-${step}-${j}`, question: 'Now?' } : action === 'failed' ? { error: 'e' } : {})
          did.push(`${action} ${id}`)
        }
        if (step === 8) {
          // the bulk run ends and a new one starts: its agents retire, the page is back under 100, in order
          server.bus.publish(makeEvent('graph', 'completed', { graph_id: 'bulk' }))
          server.bus.publish(makeEvent('graph', 'started', { graph_id: 'next', payload: { agents: [{ agent_id: 'next-1' }] } }))
          did.push('the bulk run retires')
        }
        await converge(did.join(', '))
      }
      for (const { errors } of tabs) expect(errors).toEqual([])
    } finally {
      for (const { page } of tabs) await page.close()
      await server.stop()
    }
  })
})

describe('a flush after one agent changed', () => {
  it('sends that badge, not the whole list', async () => {
    const s = await startTestServer()
    try {
      for (let i = 0; i < 150; i++) s.bus.publish(makeEvent('agent', 'started', { agent_id: `a-${i}` }))
      await s.bus.persisted()
      s.stream.flush()
      const res = await fetch(`${s.url}/events`)
      await readUntil(res, (text) => text.includes('datastar-patch-signals'))
      s.bus.publish(makeEvent('agent', 'blocked', { agent_id: 'a-70', payload: { msg_id: 'q-a70', question: 'Now?' } }))
      await s.bus.persisted()
      s.stream.flush()
      const frame = await readUntil(res, (text) => text.includes(ids.agent('a-70')))
      expect(frame).not.toContain(`id="${ids.agentList}"`)
      expect(frame).toContain(`selector #${ids.agentList}`)
      expect(frame).toContain('mode prepend')
      await res.body?.cancel()
    } finally {
      await s.stop()
    }
  })
})
