// Headless system Chromium for page tests, with page errors collected for assertions.
// Chromium is found at $CHROMIUM_PATH, else /usr/bin/chromium. Without it the browser tests skip instead of
// failing, and the run prints one line saying what is missing and how to install it (Debian: apt-get install chromium).
// In a browser test file: `const skip = skipBrowserTests()`; register the beforeAll/afterAll that start servers and
// launch Chromium only `if (!skip)` (Bun runs top-level hooks even when every test is skipped, and counts hooks
// inside a skipped describe as extra skips); wrap the tests in `describe.skipIf(skip)(...)`.
import { accessSync, constants, mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll } from 'bun:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { startTestServer, type TestServer } from './server'

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run']

/** Where the browser tests look for Chromium: $CHROMIUM_PATH, else /usr/bin/chromium. */
export const chromiumPath: string = process.env.CHROMIUM_PATH || '/usr/bin/chromium'

/** Whether an executable file is at `chromiumPath`. */
export const hasChromium: boolean = (() => {
  try {
    accessSync(chromiumPath, constants.X_OK)
    return statSync(chromiumPath).isFile()
  } catch {
    return false
  }
})()

let skipNoticePrinted = false

/** True when the browser tests must skip (no Chromium); says so, and how to install it, once per process. */
export function skipBrowserTests(): boolean {
  if (hasChromium) return false
  if (!skipNoticePrinted) {
    skipNoticePrinted = true
    console.warn(`skipping browser tests: no Chromium at ${chromiumPath} (Debian: apt-get install chromium, or set CHROMIUM_PATH)`)
  }
  return true
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS })
}

let screenshotDir: string | undefined

/**
 * Where a browser test saves the screenshot `name`: docs/ (the README's pictures) only with UPDATE_SCREENSHOTS=1,
 * otherwise a temp folder, so that `npm test` changes no tracked file.
 */
export function screenshotPath(name: string): string {
  if (process.env.UPDATE_SCREENSHOTS === '1') return resolve(import.meta.dir, '../../docs', name)
  screenshotDir ??= mkdtempSync(join(tmpdir(), 'switchboard-screenshots-'))
  return join(screenshotDir, name)
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

/**
 * The usual browser test file: one test server and one Chromium for the file, started before and
 * stopped after; nothing at all started when Chromium is missing (`skip` is then true).
 */
export function browserSuite() {
  const suite = { skip: skipBrowserTests(), server: undefined as unknown as TestServer, browser: undefined as unknown as Browser }
  // Top-level hooks run even in a skipped file, hence the guard.
  if (!suite.skip) {
    beforeAll(async () => {
      suite.server = await startTestServer()
      suite.browser = await launchChromium()
    })
    afterAll(async () => {
      await suite.browser?.close()
      await suite.server?.stop()
    })
  }
  return suite
}
