// What the demo swarm reports over a full run: valid events, tool and model calls paired by call_id, a real-looking failure, a chat agent's two turns.
import { beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventStore } from '../src/events/event-store'
import { createDashboard } from '../src/machines/dashboard'
import { validateEvent, wireName, type Event } from '../src/protocol/event'
import { MAX_STEP_TEXT } from '../src/protocol/limits'
import { interestingSeed, record, wire, type Recorded } from './support/demo-swarm'

// The steps index keeps MAX_STEP_TEXT of an input/output/args/result; the demo's prompts and completions stay far below it.
const SHORT_TEXT = 2_000

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const jsonLength = (v: unknown) => JSON.stringify(v ?? null).length

/** Every call_id's events in order, by category. */
function calls(events: Event[], category: 'tool' | 'model'): Map<string, Event[]> {
  const byId = new Map<string, Event[]>()
  for (const e of events) {
    if (e.category !== category) continue
    expect(typeof e.payload.call_id).toBe('string')
    const id = e.payload.call_id as string
    byId.set(id, [...(byId.get(id) ?? []), e])
  }
  return byId
}

/** The chat agent's events from its first start, as wire names. */
const namesOf = (events: Event[]) => events.map(wireName)

describe('the demo swarm reports the work', () => {
  const seed = interestingSeed()
  let run: Recorded
  beforeAll(async () => {
    run = await record(seed)
  })

  it('emits only events that pass validateEvent over a full run, with short texts', () => {
    expect(run.events.length).toBeGreaterThan(100)
    for (const e of run.events) {
      const checked = validateEvent(e)
      if (!checked.ok) throw new Error(`${wireName(e)} refused: ${checked.field} ${checked.reason}`)
      for (const key of ['input', 'output'] as const) if (e.payload[key] !== undefined) expect(String(e.payload[key]).length).toBeLessThanOrEqual(SHORT_TEXT)
      for (const key of ['args', 'result'] as const) expect(jsonLength(e.payload[key])).toBeLessThanOrEqual(MAX_STEP_TEXT)
    }
  })

  it('pairs every tool call with one result or error by call_id, with arguments a coding agent sends', () => {
    const byId = calls(run.events, 'tool')
    expect(byId.size).toBeGreaterThan(30)
    for (const [id, [called, end, ...rest]] of byId) {
      expect(id).toMatch(/^toolu_01[A-Za-z0-9]{22}$/)
      expect(rest).toEqual([])
      expect(wireName(called!)).toBe('tool:called')
      expect(isRecord(called!.payload.args)).toBe(true)
      expect(['tool:completed', 'tool:failed']).toContain(wireName(end!))
      expect(end!.agent_id).toBe(called!.agent_id!)
      expect(end!.payload.tool).toBe(called!.payload.tool)
      if (end!.action === 'completed') expect(isRecord(end!.payload.result)).toBe(true)
      else expect(String(end!.payload.error).length).toBeGreaterThan(10)
    }
    const called = wire(run.events, 'tool:called')
    const args = (tool: string) => called.filter((e) => e.payload.tool === tool).map((e) => e.payload.args as Record<string, unknown>)
    expect(args('read_file').every((a) => typeof a.path === 'string')).toBe(true)
    expect(args('grep').every((a) => typeof a.pattern === 'string' && typeof a.path === 'string')).toBe(true)
    expect(args('edit_file').every((a) => typeof a.path === 'string' && typeof a.new_string === 'string')).toBe(true)
    expect(args('run_tests').every((a) => String(a.command).includes('test'))).toBe(true)
    const tests = wire(run.events, 'tool:completed').filter((e) => e.payload.tool === 'run_tests').map((e) => e.payload.result as Record<string, unknown>)
    expect(tests.length).toBeGreaterThan(0)
    for (const r of tests) expect([typeof r.passed, typeof r.failed, typeof r.output]).toEqual(['number', 'number', 'string'])
    expect(wire(run.events, 'tool:failed').length).toBeGreaterThan(0)
  })

  it('reports each model call as a request with its prompt and a response with its completion, usage and duration', () => {
    const byId = calls(run.events, 'model')
    expect(byId.size).toBeGreaterThan(30)
    for (const [id, [request, response, ...rest]] of byId) {
      expect(id).toMatch(/^msg_01[A-Za-z0-9]{22}$/)
      expect(rest).toEqual([])
      expect(wireName(request!)).toBe('model:request')
      expect(String(request!.payload.input)).toContain('user: ')
      expect(wireName(response!)).toBe('model:response')
      expect(response!.agent_id).toBe(request!.agent_id!)
      expect(Number.isInteger(response!.payload.duration_ms)).toBe(true)
      if (response!.payload.error !== undefined) continue
      expect(String(response!.payload.output).length).toBeGreaterThan(10)
      expect(response!.payload.input_tokens).toBeGreaterThan(0)
      expect(response!.payload.output_tokens).toBeGreaterThan(0)
    }
  })

  it('fails an agent with a multi-line error whose first line says what happened', () => {
    const failed = wire(run.events, 'agent:failed')
    expect(failed.length).toBeGreaterThan(0)
    for (const e of failed) {
      const [first, ...more] = String(e.payload.error).split('\n')
      expect(first).toMatch(/^(pytest exited with 1: \d tests failed|ruff exited with 2: |edit_file failed 3 times: |model API error 400: )/)
      expect(more.filter((line) => line.trim() !== '').length).toBeGreaterThanOrEqual(2)
      // the failing step comes just before: a test run with failures, a tool error, or a refused model call
      const mine = run.events.filter((x) => x.agent_id === e.agent_id && x.category !== 'agent')
      const step = mine.at(-1)!
      const result = step.payload.result as Record<string, unknown> | undefined
      expect(step.action === 'failed' || step.payload.error !== undefined || Number(result?.failed) > 0).toBe(true)
    }
  })

  it('runs a chat agent outside the graph through two turns, waiting for its user between and after them', () => {
    const chat = run.events.filter((e) => e.agent_id === run.plan.chat.agent_id)
    expect(chat.every((e) => e.graph_id === undefined)).toBe(true)
    const lifecycle = namesOf(chat.filter((e) => e.category === 'agent' && e.action !== 'note'))
    expect(lifecycle).toEqual(['agent:started', 'agent:waiting', 'agent:started', 'agent:waiting'])
    expect(chat[0]!.payload.name).toBe('Support chat')
    const turns = [chat.slice(0, chat.indexOf(wire(chat, 'agent:waiting')[0]!)), chat.slice(chat.indexOf(wire(chat, 'agent:started')[1]!))]
    for (const turn of turns) {
      expect(turn.some((e) => e.category === 'tool')).toBe(true)
      expect(turn.some((e) => wireName(e) === 'model:response' && String(e.payload.output).length > 20)).toBe(true)
    }
    for (const e of wire(chat, 'agent:waiting')) expect(e.payload.reason).toBe("waiting for the user's reply")
    expect(wireName(chat.at(-1)!)).toBe('agent:waiting')
  })

  it('has agents note their plan', () => {
    const notes = wire(run.events, 'agent:note')
    expect(notes.length).toBeGreaterThan(1)
    for (const e of notes) expect(String(e.payload.text)).toMatch(/^Plan: \S/)
  })

  it('becomes steps in the real steps index: each call one step with its input and output, the chat in two turns', async () => {
    const store = new EventStore(join(mkdtempSync(join(tmpdir(), 'switchboard-demo-')), 's.db'))
    try {
      for (const e of run.events) store.append(e)
      await store.flushed()
      const stepsOf = (agentId: string) => store.steps.page(agentId, { limit: 500 }).steps
      const tools = run.events.filter((e) => wireName(e) === 'tool:called')
      const models = run.events.filter((e) => wireName(e) === 'model:request')
      const agents = [...new Set(run.events.flatMap((e) => (e.agent_id ? [e.agent_id] : [])))]
      const steps = agents.flatMap(stepsOf)
      expect(steps.filter((x) => x.kind === 'tool').length).toBe(tools.length)
      expect(steps.filter((x) => x.kind === 'model').length).toBe(models.length)
      for (const step of steps) {
        expect(step.status === 'ok' || step.status === 'error' || step.kind === 'question').toBe(true)
        if (step.kind === 'tool') expect(step.status === 'ok' ? step.output : step.error).toBeDefined()
        if (step.kind === 'model' && step.status === 'ok') expect([typeof step.input, typeof step.output, typeof step.duration_ms]).toEqual(['string', 'string', 'number'])
      }
      const chat = stepsOf(run.plan.chat.agent_id)
      expect([...new Set(chat.map((x) => x.turn))]).toEqual([1, 2])
      expect(chat.filter((x) => x.turn === 2 && x.kind === 'tool').map((x) => x.name)).toEqual(['edit_file', 'edit_file', 'run_tests'])
      expect(steps.filter((x) => x.kind === 'note').length).toBe(wire(run.events, 'agent:note').length)
    } finally {
      store.close()
    }
  })

  it('leaves the chat agent waiting for its user in turn 2 on the dashboard, its failed agent failed', () => {
    const dash = createDashboard()
    try {
      for (const e of run.events) dash.apply(e)
      const chat = dash.agents.get(run.plan.chat.agent_id)!.getSnapshot()
      expect(chat.value).toBe('waiting')
      expect(chat.context.turn).toBe(2)
      expect(chat.context.waiting_reason).toBe("waiting for the user's reply")
      const failedId = wire(run.events, 'agent:failed')[0]!.agent_id!
      expect(dash.agents.get(failedId)!.getSnapshot().value).toBe('failed')
    } finally {
      dash.stop()
    }
  })

  // Each agent draws from its own seeded stream, so what it says does not depend on how timers interleave.
  it('says the same things for the same seed', async () => {
    const again = await record(seed)
    const said = (r: Recorded) => {
      const byAgent = new Map<string, unknown[]>()
      for (const e of r.events) if (e.agent_id) byAgent.set(e.agent_id, [...(byAgent.get(e.agent_id) ?? []), [wireName(e), e.payload]])
      return byAgent
    }
    expect(said(again)).toEqual(said(run))
  })
})
