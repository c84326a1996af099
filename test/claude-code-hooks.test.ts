// POST /hooks/claude-code, replayed with the hook inputs Claude Code sends (its hooks reference, its CLI's schemas):
// every hook type, the approval round trip answered on the page's respond route, the deadline on a manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { routes } from '../src/protocol/routes'
import type { Step } from '../src/protocol/steps'
import { MAX_STEP_TEXT } from '../src/protocol/limits'
import { MAX_HOOK_BODY_BYTES } from '../src/hooks/claude-code-input'
import { ManualClock } from './support/clock'
import { CWD, hookInput, SESSION, whenPending } from './support/claude-code'
import { post, req } from './support/http'
import { startTestServer, type TestServer } from './support/server'

const TOKEN = 'hooks-test-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const clock = new ManualClock()
let server: TestServer
const MAIN = `claude-code-${SESSION}`

beforeAll(async () => {
  server = await startTestServer({ token: TOKEN, listen: false, claudeCode: { timers: clock } })
})
afterAll(() => server.stop())

const hook = (body: unknown, query = '') => server.app.handle(post(`${routes.claudeCodeHooks}${query}`, body, auth))
async function send(name: string, fields: Record<string, unknown> = {}, query = '') {
  const res = await hook(hookInput(name, fields), query)
  return { status: res.status, body: (await res.json()) as Record<string, any> }
}
async function agent(agentId: string) {
  const res = await server.app.handle(req(routes.agentApi(agentId), { headers: auth }))
  expect(res.status).toBe(200)
  return (await res.json()) as { agent: Record<string, any>; steps: { steps: Step[] } }
}
const cardFor = (agentId: string) => whenPending(server.questions, `a card for ${agentId}`, (p) => p.find((q) => q.agent_id === agentId))
async function answer(agentId: string, msgId: string, value: unknown) {
  const res = await server.app.handle(post(routes.respond(agentId), { msg_id: msgId, answer: value, answered_by: 'Ada' }, auth))
  expect(res.status).toBe(200)
}

describe('Claude Code hooks: a session', () => {
  it('is an agent named after its folder; a prompt opens a turn, tool calls are steps paired by tool_use_id', async () => {
    expect(await send('SessionStart', { source: 'startup', model: 'claude-sonnet-4-5' })).toEqual({ status: 200, body: {} })
    expect((await send('UserPromptSubmit', { prompt: 'List the files\r\nplease' })).body).toEqual({})
    await send('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'ls', description: 'List files' }, tool_use_id: 'toolu_01' })
    await send('PreToolUse', { tool_name: 'Read', tool_input: { file_path: `${CWD}/README.md` }, tool_use_id: 'toolu_02' })
    // Out of order on purpose: the pairing is by id, not by arrival.
    await send('PostToolUseFailure', { tool_name: 'Read', tool_input: { file_path: `${CWD}/README.md` }, tool_use_id: 'toolu_02', error: 'File does not exist.' })
    await send('PostToolUse', { tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: { stdout: 'README.md\nsrc', stderr: '', interrupted: false }, tool_use_id: 'toolu_01', duration_ms: 12.6 })
    const { agent: a, steps } = await agent(MAIN)
    expect(a).toMatchObject({ name: 'Claude Code · switchboard', graph_id: SESSION, state: 'running', turn: 1 })
    const tools = steps.steps.filter((s) => s.kind === 'tool')
    expect(tools.map((s) => [s.step_id, s.name, s.status])).toEqual([['toolu_01', 'Bash', 'ok'], ['toolu_02', 'Read', 'error']])
    expect(tools[0]).toMatchObject({ input: { command: 'ls', description: 'List files' }, output: { stdout: 'README.md\nsrc' }, duration_ms: 13 })
    expect(tools[1]!.error).toBe('File does not exist.')
  })

  it('waits after Stop (its last message noted) and on a needs-input notification; a note for other notifications', async () => {
    await send('Stop', { stop_hook_active: false, last_assistant_message: 'Two files: README.md and src.' })
    let { agent: a, steps } = await agent(MAIN)
    expect(a.state).toBe('waiting')
    expect(steps.steps.some((s) => s.kind === 'note' && s.name === 'Two files: README.md and src.')).toBe(true)
    await send('UserPromptSubmit', { prompt: 'And now?' })
    expect((await agent(MAIN)).agent).toMatchObject({ state: 'running', turn: 2 })
    await send('Notification', { message: 'Claude Code login successful', notification_type: 'auth_success' })
    expect((await agent(MAIN)).agent.state).toBe('running')
    await send('Notification', { message: 'Claude is waiting for your input', notification_type: 'idle_prompt' })
    ;({ agent: a, steps } = await agent(MAIN))
    expect(a.state).toBe('waiting')
    expect(steps.steps.some((s) => s.kind === 'note' && s.name === 'Claude Code login successful')).toBe(true)
  })

  it('shows a subagent as an agent of its own in the session run, with its tool calls; SubagentStop completes it', async () => {
    await send('UserPromptSubmit', { prompt: 'Explore the code' })
    const sub = { agent_id: 'a7f3c2e1', agent_type: 'Explore' }
    await send('SubagentStart', sub)
    await send('PreToolUse', { ...sub, tool_name: 'Grep', tool_input: { pattern: 'TODO' }, tool_use_id: 'toolu_03' })
    await send('PostToolUse', { ...sub, tool_name: 'Grep', tool_input: { pattern: 'TODO' }, tool_response: 'src/a.ts:3: TODO', tool_use_id: 'toolu_03' })
    await send('SubagentStop', { ...sub, stop_hook_active: false, agent_transcript_path: '/tmp/t.jsonl', last_assistant_message: 'Found one TODO.' })
    const { agent: a, steps } = await agent(`${MAIN}-a7f3c2e1`)
    expect(a).toMatchObject({ name: 'Explore (subagent) · switchboard', graph_id: SESSION, state: 'done' })
    expect(steps.steps.filter((s) => s.kind === 'tool').map((s) => [s.name, s.status, s.output])).toEqual([['Grep', 'ok', 'src/a.ts:3: TODO']])
    expect((await agent(MAIN)).steps.steps.some((s) => s.step_id === 'toolu_03')).toBe(false)
  })

  it('marks a turn that ended in an API error failed (StopFailure), a denied tool failed, and completes at SessionEnd', async () => {
    await send('PreToolUse', { tool_name: 'WebFetch', tool_input: { url: 'https://example.com' }, tool_use_id: 'toolu_04' })
    await send('PermissionDenied', { tool_name: 'WebFetch', tool_input: { url: 'https://example.com' }, tool_use_id: 'toolu_04', reason: 'auto mode refused it' })
    expect((await agent(MAIN)).steps.steps.find((s) => s.step_id === 'toolu_04')).toMatchObject({ status: 'error', error: 'Permission denied: auto mode refused it' })
    await send('StopFailure', { error: 'rate_limit', error_details: '429' })
    expect((await agent(MAIN)).agent.state).toBe('failed')
    for (const name of ['PreCompact', 'PostCompact', 'PostToolBatch', 'ConfigChange', 'SomethingNew']) expect(await send(name, { trigger: 'auto' })).toEqual({ status: 200, body: {} })
    await send('UserPromptSubmit', { prompt: 'Try again' })
    expect(await send('SessionEnd', { reason: 'prompt_input_exit' })).toEqual({ status: 200, body: {} })
    expect((await agent(MAIN)).agent).toMatchObject({ state: 'done', label: 'Done' })
  })
})

describe('Claude Code hooks: approvals', () => {
  const session = 'approval-session-1'
  const id = `claude-code-${session}`
  const ask = (name: string, fields: Record<string, unknown>, query = '') =>
    hook(hookInput(name, fields, session), query).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }))

  it('PermissionRequest is an approval card with the tool and its input; approving allows it', async () => {
    const asked = ask('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'rm -rf build', description: 'Clean' } })
    const card = await cardFor(id)
    expect(card).toMatchObject({ kind: 'approval', question: 'Allow Bash: rm -rf build?', details: { command: 'rm -rf build', description: 'Clean' } })
    expect(card.context).toContain('    rm -rf build')
    await answer(id, card.msg_id, { approved: true })
    expect(await asked).toEqual({ status: 200, body: { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'allow' } } } })
  })

  it('a denial carries the comment as the message, and closes the tool step', async () => {
    await ask('PreToolUse', { tool_name: 'Write', tool_input: { file_path: '/etc/hosts', content: 'x' }, tool_use_id: 'toolu_w' })
    const asked = ask('PermissionRequest', { tool_name: 'Write', tool_input: { file_path: '/etc/hosts', content: 'x' } })
    const card = await cardFor(id)
    expect(card.question).toBe('Allow Write: /etc/hosts?')
    await answer(id, card.msg_id, { approved: false, comment: 'not outside the repo' })
    expect((await asked).body).toEqual({ hookSpecificOutput: { hookEventName: 'PermissionRequest', decision: { behavior: 'deny', message: 'not outside the repo' } } })
    expect((await agent(id)).steps.steps.find((s) => s.step_id === 'toolu_w')).toMatchObject({ status: 'error', error: 'Denied: not outside the repo' })
  })

  it('PreToolUse with ?approve=1 asks too and answers permissionDecision', async () => {
    const asked = ask('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'git push' }, tool_use_id: 'toolu_p' }, '?approve=1')
    const card = await cardFor(id)
    await answer(id, card.msg_id, { approved: true })
    expect((await asked).body).toEqual({ hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision: 'allow', permissionDecisionReason: 'Approved on Switchboard' } })
  })

  it('past ?timeout the card is withdrawn and the answer leaves it to the terminal (no decision / ask)', async () => {
    const asked = ask('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'make deploy' } }, '?timeout=45')
    const card = await cardFor(id)
    expect(card.timeout_s).toBe(45)
    clock.advance(44_000)
    expect(server.questions.status(card.msg_id)?.status).toBe('pending')
    clock.advance(4_000)
    expect(await asked).toEqual({ status: 200, body: {} })
    expect(server.questions.status(card.msg_id)?.status).toBe('cancelled')
    const pre = ask('PreToolUse', { tool_name: 'Bash', tool_input: { command: 'make deploy' }, tool_use_id: 'toolu_t' }, '?approve=1&timeout=10')
    await cardFor(id)
    clock.advance(13_000)
    expect((await pre).body.hookSpecificOutput).toMatchObject({ permissionDecision: 'ask' })
  })

  it('a card whose request Claude Code gave up on is withdrawn', async () => {
    const gone = new AbortController()
    const res = server.app.handle(new Request(post(routes.claudeCodeHooks, hookInput('PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'sleep 1' } }, session), auth), { signal: gone.signal }))
    const card = await cardFor(id)
    gone.abort()
    await res.catch(() => undefined)
    await whenPending(server.questions, 'the card to go', (p) => (p.some((q) => q.msg_id === card.msg_id) ? undefined : true))
    expect(server.questions.status(card.msg_id)?.status).toBe('cancelled')
  })
})

describe('Claude Code hooks: hostile and large input', () => {
  it('refuses a bad body with a 400 naming the reason, and a missing token with a 401', async () => {
    const bad = async (body: unknown) => {
      const res = await hook(body)
      expect(res.status).toBe(400)
      return ((await res.json()) as { error: string }).error
    }
    expect(await bad('{not json')).toContain('Invalid JSON')
    expect(await bad([1])).toContain('must be a JSON object')
    expect(await bad({ hook_event_name: 'Stop' })).toStartWith('session_id')
    expect(await bad(hookInput('Stop', {}, 'a\rb'))).toStartWith('session_id')
    expect(await bad(hookInput('Stop', {}, '..'))).toStartWith('session_id')
    expect(await bad(hookInput('PreToolUse', { tool_input: {} }))).toBe('tool_name is required for PreToolUse')
    expect(await bad(`{"session_id":"s","hook_event_name":"Stop","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`)).toContain('deeper than')
    expect((await hook(hookInput('Stop'), '?timeout=-1')).status).toBe(400)
    expect((await server.app.handle(post(routes.claudeCodeHooks, hookInput('Stop')))).status).toBe(401)
  })

  it('takes ids like __proto__ and CRs in names and texts', async () => {
    const input = { ...hookInput('UserPromptSubmit', { prompt: 'a\rb\r\nc', cwd: '/tmp/evil\r\u202efolder' }, '__proto__') }
    expect((await hook(input)).status).toBe(200)
    expect((await agent('claude-code-__proto__')).agent.name).toBe('Claude Code · evilfolder')
  })

  it('cuts a large tool_response to the step limit instead of refusing it', async () => {
    const big = 'x'.repeat(3 << 20)
    await send('PreToolUse', { tool_name: 'Read', tool_input: { file_path: 'big.log' }, tool_use_id: 'toolu_big' })
    expect((await send('PostToolUse', { tool_name: 'Read', tool_input: { file_path: 'big.log' }, tool_response: { content: big }, tool_use_id: 'toolu_big' })).status).toBe(200)
    const step = (await agent(MAIN)).steps.steps.find((s) => s.step_id === 'toolu_big')!
    expect(step.status).toBe('ok')
    expect(String(step.output).length).toBeLessThanOrEqual(MAX_STEP_TEXT)
  })

  it('answers a body over the cap with 200 and no decision, unread, never a 413 (chunked, as no Content-Length can warn)', async () => {
    const chunk = new TextEncoder().encode(`"${'y'.repeat((1 << 20) - 2)}",`)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode(JSON.stringify(hookInput('PostToolUse', { tool_name: 'Read' })).slice(0, -1) + ',"tool_response":['))
        if (sent++ > (MAX_HOOK_BODY_BYTES >> 20) + 1) return controller.close()
        controller.enqueue(chunk)
      },
    })
    const res = await server.app.handle(new Request(`http://localhost${routes.claudeCodeHooks}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json', host: 'localhost' }, body, duplex: 'half' } as RequestInit))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({})
  })

  it('takes a 5 MB body over a real socket (Bun refused past 2 MB with its own 413)', async () => {
    const real = await startTestServer({ token: TOKEN })
    try {
      const body = JSON.stringify(hookInput('PostToolUse', { tool_name: 'Edit', tool_use_id: 'toolu_edit', tool_response: { originalFile: 'z'.repeat(5 << 20) } }))
      const res = await fetch(`${real.url}${routes.claudeCodeHooks}`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body })
      expect(res.status).toBe(200)
    } finally {
      await real.stop()
    }
  })
})
