// The real Claude Code CLI (the npm package's native binary), run offline against a stand-in of the Messages API, with
// its `"type": "http"` hooks pointed at Switchboard by the README's settings.json, read from the README: its permission card answered
// in Chromium, and the CLI going on with the decision (the file written, or the denial's comment read by the model).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Browser } from 'playwright-core'
import { routes } from '../src/protocol/routes'
import { ids } from '../src/views/targets'
import { launchChromium, skipBrowserTests } from './support/browser'
import { whenPending } from './support/claude-code'
import { startMessagesStandIn, type StandIn } from './support/messages-stand-in'
import { startTestServer, type TestServer } from './support/server'

const CLI = resolve(import.meta.dir, '../node_modules/@anthropic-ai/claude-code/bin/claude.exe')
const hasCli = (() => {
  try {
    accessSync(CLI, constants.X_OK)
    return true
  } catch {
    return false
  }
})()
const skip = skipBrowserTests() || !hasCli
if (!hasCli) console.warn(`skipping the Claude Code CLI test: no executable at ${CLI} (npm install runs its postinstall, which puts the native binary there)`)

const TOKEN = 'cc-e2e-token'
let server: TestServer
let browser: Browser

if (!skip) {
  beforeAll(async () => {
    server = await startTestServer({ token: TOKEN })
    browser = await launchChromium()
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })
}

/** The README's settings.json as written there, pointed at this server: what a reader copies is what is tested. */
function settings(url: string): string {
  const readme = readFileSync(resolve(import.meta.dir, '../README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('### Claude Code (hooks, no script)'))
  const block = /```json\n([\s\S]*?)```/.exec(section)?.[1]
  if (!block) throw new Error('README: no settings.json block under "### Claude Code (hooks, no script)"')
  JSON.parse(block)
  return block.replaceAll('http://localhost:3000', url)
}

/** `claude -p` in a fresh folder with a fresh HOME, talking to the stand-in; resolves when it exits. */
function runClaude(api: StandIn, folder: string, prompt: string, query = '') {
  const home = mkdtempSync(join(tmpdir(), 'cc-home-'))
  mkdirSync(join(home, '.claude'))
  writeFileSync(join(home, '.claude', 'settings.json'), settings(server.url).replaceAll('/hooks/claude-code"', `/hooks/claude-code${query}"`))
  const cwd = join(mkdtempSync(join(tmpdir(), 'cc-work-')), folder)
  mkdirSync(cwd)
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ANTHROPIC_BASE_URL: api.url, ANTHROPIC_API_KEY: 'sk-ant-offline-dummy', SWITCHBOARD_TOKEN: TOKEN, CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_AUTOUPDATER: '1' }
  const proc = Bun.spawn([CLI, '-p', prompt], { cwd, env, stdout: 'pipe', stderr: 'pipe' })
  const killer = setTimeout(() => proc.kill(), 25_000)
  const done = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]).then(([stdout, stderr, code]) => (clearTimeout(killer), { stdout, stderr, code }))
  return { cwd, done }
}

async function cardPage(agentId: string) {
  const card = await whenPending(server.questions, `a card for ${agentId}`, (p) => p.find((q) => q.agent_id.startsWith(agentId)))
  const page = await browser.newPage({ extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } })
  await page.goto(server.url)
  const locator = page.locator(`#${ids.card(card.msg_id)}`)
  await locator.waitFor()
  return { card, page, locator }
}

describe.skipIf(skip)('the Claude Code CLI with http hooks', () => {
  it('asks on a card before a Write, and writes the file once it is approved in the browser', async () => {
    const api = startMessagesStandIn({ name: 'Write', input: { file_path: 'PLACEHOLDER', content: 'hello from Claude Code\n' } }, 'I wrote hello.txt.')
    try {
      const folder = 'demo-approve'
      const run = runClaude(api, folder, 'Write hello.txt')
      // The model's tool use names a file in the run's folder, known only now.
      api.tool.input.file_path = join(run.cwd, 'hello.txt')
      const { card, page, locator } = await cardPage('claude-code-')
      expect(card.question).toBe(`Allow Write: ${join(run.cwd, 'hello.txt')}?`)
      expect(await locator.innerText()).toContain('hello from Claude Code')
      await locator.locator('button.approve').click()
      const result = await run.done
      expect(result).toMatchObject({ code: 0 })
      expect(result.stdout).toContain('I wrote hello.txt.')
      expect(existsSync(join(run.cwd, 'hello.txt'))).toBe(true)
      const agentRes = await fetch(`${server.url}${routes.agentApi(card.agent_id)}`, { headers: { authorization: `Bearer ${TOKEN}` } })
      const { agent, steps } = (await agentRes.json()) as { agent: Record<string, unknown>; steps: { steps: Array<Record<string, unknown>> } }
      expect(agent).toMatchObject({ name: `Claude Code · ${folder}`, state: 'done' })
      expect(steps.steps.find((s) => s.kind === 'tool')).toMatchObject({ name: 'Write', status: 'ok' })
      await page.close()
    } finally {
      api.stop()
    }
  })

  it('tells the model the comment of a denial given in the browser, and the CLI goes on to its answer', async () => {
    const api = startMessagesStandIn({ name: 'Bash', input: { command: 'rm -rf build', description: 'Clean the build' } }, 'Understood, I left build alone.')
    try {
      const run = runClaude(api, 'demo-deny', 'Clean the build')
      const { card, page, locator } = await cardPage('claude-code-')
      expect(card.question).toBe('Allow Bash: rm -rf build?')
      await locator.locator('input[aria-label=Comment]').fill('keep build, it is the release')
      await locator.locator('button.deny').click()
      const result = await run.done
      expect(result).toMatchObject({ code: 0 })
      expect(result.stdout).toContain('Understood, I left build alone.')
      const toolResult = JSON.stringify(api.requests.at(-1)?.messages.at(-1))
      expect(toolResult).toContain('keep build, it is the release')
      await page.close()
    } finally {
      api.stop()
    }
  })

  it('past ?timeout withdraws the card and gives no decision: claude -p, with no terminal to ask in, refuses the tool', async () => {
    const api = startMessagesStandIn({ name: 'Bash', input: { command: 'touch made-by-claude' } }, 'It was not allowed.')
    try {
      const run = runClaude(api, 'demo-timeout', 'Touch a file', '?timeout=1')
      const card = await whenPending(server.questions, 'a card', (p) => p.find((q) => q.question === 'Allow Bash: touch made-by-claude?'))
      const result = await run.done
      expect(result).toMatchObject({ code: 0 })
      expect(server.questions.status(card.msg_id)?.status).not.toBe('pending')
      expect(existsSync(join(run.cwd, 'made-by-claude'))).toBe(false)
      expect(api.requests).toHaveLength(2)
    } finally {
      api.stop()
    }
  })
})
