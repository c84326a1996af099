// The real Claude Code CLI (the npm package's native binary), run offline against a stand-in of the Messages API, with
// its `"type": "http"` hooks pointed at Switchboard as the README's settings.json says: its permission card answered
// in Chromium, and the CLI going on with the decision (the file written, or the denial's comment read by the model).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
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
const HOOKS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PermissionRequest', 'Notification', 'Stop', 'SubagentStart', 'SubagentStop', 'SessionEnd']
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

/** The README's settings.json, for this server: every hook an http hook, the token read from the environment. */
function settings(url: string) {
  const hook = { type: 'http', url: `${url}${routes.claudeCodeHooks}`, headers: { Authorization: 'Bearer $SWITCHBOARD_TOKEN' }, allowedEnvVars: ['SWITCHBOARD_TOKEN'] }
  return { hooks: Object.fromEntries(HOOKS.map((name) => [name, [{ hooks: [hook] }]])) }
}

/** `claude -p` in a fresh folder with a fresh HOME, talking to the stand-in; resolves when it exits. */
function runClaude(api: StandIn, folder: string, prompt: string) {
  const home = mkdtempSync(join(tmpdir(), 'cc-home-'))
  mkdirSync(join(home, '.claude'))
  writeFileSync(join(home, '.claude', 'settings.json'), JSON.stringify(settings(server.url)))
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
})
