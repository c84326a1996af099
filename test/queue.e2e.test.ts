// The questions queue in real headless Chromium, used as a person would: cards of every kind, the count in
// the title, answering an approval and a form from the page, focus kept in the queue, opt-in alerts only for
// questions that arrive later, no sideways scrolling on a phone; and the screenshots of docs/.
import { describe, expect, it } from 'bun:test'
import type { Page } from 'playwright-core'
import { makeEvent } from '../src/protocol/event'
import { ids } from '../src/views/targets'
import { browserSuite, openPage, screenshotPath } from './support/browser'
import { askEveryKind, UNBREAKABLE } from './support/questions'

const suite = browserSuite()
const { skip } = suite

const answerOf = async (msgId: string) => (await (await fetch(`${suite.server.url}/api/questions/${encodeURIComponent(msgId)}`)).json()) as Record<string, unknown>
const title = (page: Page) => page.evaluate(() => document.title)
const waitForTitle = (page: Page, text: string) => page.waitForFunction((t) => document.title === t, text, { timeout: 10_000 })
/** Focus moves on the client after the patch that changed the title, so a test waits for it rather than reading it once. */
const waitForFocus = (page: Page, id: string) => page.waitForFunction((i) => document.activeElement?.id === i, id, { timeout: 10_000 })

/** Stands in for the OS notification and counts the beeps (neither can be observed from a headless page). */
const RECORD_ALERTS = () => {
  const notes: Array<[string, string]> = []
  Object.assign(window, { __notes: notes, __tones: 0 })
  class Recorded {
    static permission = 'granted'
    static requestPermission = async () => 'granted'
    onclick: (() => void) | null = null
    constructor(title: string, options: { body?: string } = {}) {
      notes.push([title, options.body ?? ''])
    }
    close() {}
  }
  Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true })
  const oscillator = AudioContext.prototype.createOscillator
  AudioContext.prototype.createOscillator = function (this: AudioContext) {
    ;(window as unknown as { __tones: number }).__tones++
    return oscillator.call(this)
  }
}

let kinds: Awaited<ReturnType<typeof askEveryKind>>

describe.skipIf(skip)('questions queue', () => {
  it('shows every kind of card, counts them in the title and the favicon, and writes the screenshots', async () => {
    kinds = await askEveryKind(suite.server)
    // tall enough for the screenshot to show the approval and the form card whole
    const { page, errors } = await openPage(suite.browser, suite.server.url, { width: 1400, height: 1300 })
    const approval = page.locator(`#${ids.card(kinds.approval)}`)
    await approval.waitFor()
    expect(await title(page)).toBe('(4) Switchboard')
    await page.waitForFunction(() => document.querySelector('link[rel=icon]')?.getAttribute('href')?.startsWith('data:image/png'))
    // labelled by agent and question; the markdown rendered as elements, the hostile bits as text
    expect(await approval.getAttribute('aria-labelledby')).toBe(`${ids.cardControl(kinds.approval, 'from')} ${ids.cardControl(kinds.approval, 'q')}`)
    expect(await approval.locator('.name').innerText()).toBe('Migrator <b>db</b>')
    expect(await approval.locator('.context strong').innerText()).toBe('drops')
    expect(await approval.locator('.context pre code').count()).toBe(1)
    expect(await page.locator('img, b').count()).toBe(0)
    await approval.locator('.recent-tools summary').click()
    expect(await approval.locator('.recent-tools li.error .outcome').innerText()).toBe('✗ permission denied')
    await approval.locator('.details summary').click()
    await page.locator(`#${ids.card(kinds.form)} .recent-tools`).waitFor({ state: 'detached' })

    const panel = page.locator('.panel.questions')
    await panel.screenshot({ path: screenshotPath('cards.png') })
    await page.emulateMedia({ colorScheme: 'dark' })
    await panel.screenshot({ path: screenshotPath('cards-dark.png') })
    await page.emulateMedia({ colorScheme: 'light' })

    // A phone: one long unbreakable option or question widens nothing (the page was 1,146 px wide).
    const phone = await openPage(suite.browser, suite.server.url, { width: 390, height: 844 })
    const option = phone.page.locator(`#${ids.card(kinds.options)} button.option`).first()
    await option.waitFor()
    expect(await option.innerText()).toBe(UNBREAKABLE)
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    // nor does it overflow the queue sideways (which scrolls, and so would hide the overflow from the page)
    const queue = await phone.page.locator('.queue').evaluate((q) => [q.scrollWidth, q.clientWidth])
    expect(queue[0]).toBeLessThanOrEqual(queue[1]!)
    // the log keeps its agent column, by name
    const agentCell = phone.page.locator(`#${ids.eventList} .agent >> text=Doc writer`).first()
    expect(await agentCell.isVisible()).toBe(true)
    await phone.page.screenshot({ path: screenshotPath('cards-phone.png') })
    await phone.page.close()
    expect([...errors, ...phone.errors]).toEqual([])
    await page.close()
  })

  it('approves and fills a form from the page: typed answers stored, the count drops, focus stays in the queue', async () => {
    const { page, errors } = await openPage(suite.browser, suite.server.url)
    const approval = page.locator(`#${ids.card(kinds.approval)}`)
    await approval.locator('input[aria-label=Comment]').fill('after the backup')
    await approval.locator('button.approve').click()
    await approval.waitFor({ state: 'detached' })
    expect(await answerOf(kinds.approval)).toMatchObject({ status: 'answered', answer: { approved: true, comment: 'after the backup' } })
    await waitForTitle(page, '(3) Switchboard')
    // the card being answered left: focus moves to the next card, not to <body>
    await waitForFocus(page, ids.card(kinds.form))

    const form = page.locator(`#${ids.card(kinds.form)}`)
    await form.locator('select').selectOption('prod')
    await form.locator('input[type=number]').fill('3')
    await form.locator('input[type=email]').fill('ops@example.com')
    await form.locator('button[type=submit]').click()
    await form.waitFor({ state: 'detached' })
    expect(await answerOf(kinds.form)).toMatchObject({ status: 'answered', answer: { env: 'prod', replicas: 3, notify: 'ops@example.com', dry_run: true } })
    await waitForTitle(page, '(2) Switchboard')
    // Regression: this read focus once, right after the title changed, and failed under load.
    await waitForFocus(page, ids.card(kinds.options))

    // the last card answered: focus goes to the queue's heading
    await page.locator(`#${ids.card(kinds.options)} button.option >> text=keep it`).click()
    await page.locator(`#${ids.card(kinds.text)} input[name=answer]`).fill('numpy')
    await page.locator(`#${ids.card(kinds.text)} input[name=answer]`).press('Enter')
    await waitForTitle(page, 'Switchboard')
    await waitForFocus(page, ids.questionsHeading)
    expect(errors).toEqual([])
    await page.close()
  })

  it('alerts, once turned on, for questions that arrive later, never for those of the first paint', async () => {
    const { bus, questions } = suite.server
    bus.publish(makeEvent('agent', 'started', { agent_id: 'alert-early', payload: { name: 'Early bird' } }))
    questions.ask({ agent_id: 'alert-early', question: 'Here before the page?' })
    const context = await suite.browser.newContext({ viewport: { width: 1200, height: 800 } })
    await context.addInitScript(RECORD_ALERTS)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(suite.server.url)
    const toggle = page.locator(`#${ids.alertsToggle}`)
    await toggle.waitFor()
    expect(await toggle.isChecked()).toBe(false)
    bus.publish(makeEvent('agent', 'started', { agent_id: 'alert-quiet' }))
    const quiet = questions.ask({ agent_id: 'alert-quiet', question: 'Nobody asked for alerts yet' })
    await page.locator(`#${ids.card(quiet.msg_id)}`).waitFor()
    await toggle.check()
    bus.publish(makeEvent('agent', 'started', { agent_id: 'alert-late', payload: { name: 'Late <i>one</i>' } }))
    const late = questions.ask({ agent_id: 'alert-late', question: 'Did you hear me?' })
    await page.locator(`#${ids.card(late.msg_id)}`).waitFor()
    await page.waitForFunction(() => (window as unknown as { __notes: unknown[] }).__notes.length > 0, undefined, { timeout: 10_000 })
    expect(await page.evaluate(() => (window as unknown as { __notes: unknown[] }).__notes)).toEqual([['Question from Late <i>one</i>', 'Did you hear me?']])
    expect(await page.evaluate(() => (window as unknown as { __tones: number }).__tones)).toBeGreaterThan(0)
    // the choice is kept: a reload paints three cards and alerts for none of them
    await page.reload()
    await toggle.waitFor()
    expect(await toggle.isChecked()).toBe(true)
    await page.locator(`#${ids.card(late.msg_id)}`).waitFor()
    expect(await page.evaluate(() => (window as unknown as { __notes: unknown[] }).__notes)).toEqual([])
    expect(errors).toEqual([])
    await context.close()
  })
})
