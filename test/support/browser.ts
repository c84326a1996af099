// Headless system Chromium for page tests, with page errors collected for assertions.
import { chromium, type Browser, type Page } from 'playwright-core'

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run']

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS })
}

/** A page whose uncaught errors and console errors end up in `errors`. */
export async function openPage(browser: Browser, url: string, viewport = { width: 1400, height: 900 }) {
  const page: Page = await browser.newPage({ viewport })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`))
  await page.goto(url)
  return { page, errors }
}
