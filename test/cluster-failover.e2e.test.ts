// Failover in real headless Chromium: two instances on one real redis-server behind a TCP proxy; instance A is
// killed (-9) under an open page, which says it is reconnecting, comes back whole through B, and goes on working.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Browser } from 'playwright-core'
import { join } from 'node:path'
import { ids } from '../src/views/targets'
import { launchChromium, openPage, skipBrowserTests } from './support/browser'
import { running, start, tempDir } from './support/process'
import { haveRedis, startRedis, type TestRedis } from './support/redis'
import { startTestServer, type TestServer } from './support/server'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy'
import { post, until } from './support/http'

const started = (agent_id: string) => ({ id: `start-${agent_id}`, timestamp: Date.now(), category: 'agent', action: 'started', agent_id, payload: {} })
type Snapshot = { agents: Array<{ agent_id: string; state: string }>; blocked: Array<{ msg_id: string }> }
const snapshot = async (url: string) => (await (await fetch(`${url}/api/snapshot`)).json()) as Snapshot

// Hostile ids are ordinary input: markup in an agent id.
const FIRST = 'fo-<b>one</b>'
const SECOND = 'fo-two'

const skip = skipBrowserTests() || !haveRedis
let redis: TestRedis
let b: TestServer
let browser: Browser
let proxy: TcpProxy | undefined
if (!skip) {
  beforeAll(async () => {
    redis = await startRedis()
    b = await startTestServer({ redisUrl: redis.url })
    browser = await launchChromium()
  })
  afterAll(async () => {
    proxy?.stop()
    for (const s of running.splice(0)) s.proc.kill('SIGKILL')
    await browser?.close()
    await b?.stop()
    await redis?.stop()
  })
}

describe.skipIf(skip)('a browser whose instance dies', () => {
  it('says it is reconnecting, comes back whole through the other instance, and a question asked after is answered from it', async () => {
    const dbA = join(tempDir(), 'a.db')
    const a = await start({ REDIS_URL: redis.url, SWITCHBOARD_DB: dbA })
    proxy = startTcpProxy([Number(new URL(a.url).port), Number(new URL(b.url).port)])
    for (const agent of [FIRST, SECOND]) expect((await fetch(post(`${a.url}/api/events`, started(agent)))).status).toBe(202)
    expect((await fetch(post(`${a.url}/api/questions`, { agent_id: FIRST, question: 'Asked before the failover?', msg_id: 'q-before', options: ['yes'] }))).status).toBe(201)
    await until('the question on B', async () => (await snapshot(b.url)).blocked.some((q) => q.msg_id === 'q-before'))

    const { page, errors } = await openPage(browser, proxy.url)
    for (const id of [ids.agent(FIRST), ids.agent(SECOND), ids.card('q-before')]) await page.locator(`#${id}`).waitFor()
    // Every state the banner shows from now on, whenever it shows (a mutation observer: no timing involved).
    await page.evaluate(() => {
      const banner = document.getElementById('offline')!
      const seen: string[] = ((window as unknown as { offlineSeen: string[] }).offlineSeen = [])
      new MutationObserver(() => banner.hidden || seen.push(banner.textContent ?? '')).observe(banner, { attributes: true, childList: true, characterData: true, subtree: true })
    })

    // New connections wait at the proxy while A dies, so the page's reconnecting state lasts until release().
    proxy.hold()
    a.proc.kill('SIGKILL')
    await a.proc.exited
    await page.waitForFunction(() => (window as unknown as { offlineSeen: string[] }).offlineSeen.length > 0)
    expect(await page.evaluate(() => (window as unknown as { offlineSeen: string[] }).offlineSeen[0])).toMatch(/reconnecting|waiting for the server/)
    expect(await page.locator(`#${ids.offline}`).isHidden()).toBe(false)
    // Meanwhile: what the page shows is thrown away, and an agent starts through B. Whole again means all of it is back.
    await page.evaluate((gone) => gone.forEach((id) => document.getElementById(id)?.remove()), [ids.agent(FIRST), ids.agent(SECOND), ids.card('q-before')])
    expect((await fetch(post(`${b.url}/api/events`, started('fo-during')))).status).toBe(202)
    proxy.release()

    for (const id of [ids.agent(FIRST), ids.agent(SECOND), ids.agent('fo-during'), ids.card('q-before')]) await page.locator(`#${id}`).waitFor({ timeout: 30_000 })
    await page.locator(`#${ids.offline}[hidden]`).waitFor({ state: 'attached' })
    expect(proxy.target).toBe(Number(new URL(b.url).port))

    // Asked after the failover (through B): the card arrives live; answered from the page, the agent resumes.
    expect((await fetch(post(`${b.url}/api/questions`, { agent_id: SECOND, question: 'Ship\r\nit?', msg_id: 'q-after', options: ['ship', 'hold'] }))).status).toBe(201)
    const card = page.locator(`#${ids.card('q-after')}`)
    await card.waitFor()
    await card.locator('button.option >> text=ship').click()
    await card.waitFor({ state: 'detached' })
    await page.locator(`#${ids.toast}.ok`).waitFor()
    await page.locator(`#${ids.agent(SECOND)}.state-resumed`).waitFor()
    // Checked on the other instance: A, started again on its own file, catches up from Redis.
    const again = await start({ REDIS_URL: redis.url, SWITCHBOARD_DB: dbA })
    expect(await (await fetch(`${again.url}/api/questions/q-after`)).json()).toMatchObject({ status: 'answered', answer: 'ship' })
    await until('the agent resumed on A', async () => (await snapshot(again.url)).agents.find((x) => x.agent_id === SECOND)?.state === 'resumed')
    expect((await snapshot(again.url)).blocked.map((q) => q.msg_id)).toEqual(['q-before'])
    // The stream's failed attempts are logged by the browser; nothing else may appear.
    expect(errors.filter((e) => !e.includes('network error') && !e.includes('Datastar failed to reach') && !e.includes('ERR_') && !e.includes('Failed to load resource'))).toEqual([])
    await page.close()
  }, 90_000)
})
