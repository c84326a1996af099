// The steps index over a real SQLite file: pairing, questions, notes, turns, nesting, paging, truncation,
// rebuild, retention, restart and hostile ids, all derived from the stored events.
import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventStore } from '../src/events/event-store'
import { makeEvent, type Category, type Event } from '../src/protocol/event'
import { MAX_STEP_TEXT } from '../src/protocol/limits'
import { InvalidStepQuery, type Step, type StepQuery } from '../src/protocol/steps'

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'switchboard-steps-')), 's.db')
const T0 = 1_764_057_600_000
let n = 0
const ev = (category: Category, action: string, payload: Record<string, unknown> = {}, agent_id = 'a'): Event =>
  makeEvent(category, action, { id: `e-${++n}`, timestamp: T0 + n * 1000, agent_id, payload })
const note = (text: string, agent_id = 'a') => ev('agent', 'note', { text }, agent_id)

async function storeWith(events: Event[], path = tempDb()) {
  const store = new EventStore(path)
  for (const e of events) store.append(e)
  await store.flushed()
  return store
}

/** Every step of an agent, page after page. */
function all(store: EventStore, agentId = 'a', query: StepQuery = {}): Step[] {
  const out: Step[] = []
  for (let cursor: string | undefined, pages = 0; pages < 1_000; pages++) {
    const page = store.steps.page(agentId, { ...query, cursor })
    out.push(...page.steps)
    if (!page.next) return out
    cursor = page.next
  }
  throw new Error('paging did not end')
}

const brief = (s: Step) => ({ name: s.name, status: s.status, output: s.output })

describe('steps: tool calls', () => {
  it('pairs parallel calls with their completions by call_id, whatever order they end in', async () => {
    const store = await storeWith([
      ev('tool', 'called', { tool: 'grep', call_id: 'c1', args: { q: 'one' } }),
      ev('tool', 'called', { tool: 'grep', call_id: 'c2', args: { q: 'two' } }),
      ev('tool', 'completed', { tool: 'grep', call_id: 'c2', result: 'two found' }),
      ev('tool', 'failed', { tool: 'grep', call_id: 'c1', error: 'exit 2' }),
    ])
    const steps = all(store)
    expect(steps.map((s) => [s.step_id, s.status, s.input, s.output, s.error])).toEqual([
      ['c1', 'error', { q: 'one' }, undefined, 'exit 2'],
      ['c2', 'ok', { q: 'two' }, 'two found', undefined],
    ])
    expect(steps[0]!.duration_ms).toBe(3000)
    expect(steps[1]!.duration_ms).toBe(1000)
    store.close()
  })

  it('without call_id pairs a completion with the oldest open call of the same tool (FIFO)', async () => {
    const store = await storeWith([
      ev('tool', 'called', { tool: 'read', args: 'x' }),
      ev('tool', 'called', { tool: 'write', args: 'w' }),
      ev('tool', 'called', { tool: 'read', args: 'y' }),
      ev('tool', 'completed', { tool: 'read', result: 'first' }),
      ev('tool', 'completed', { tool: 'read', result: 'second' }),
    ])
    expect(all(store).map((s) => [s.name, s.input, s.status, s.output])).toEqual([
      ['read', 'x', 'ok', 'first'],
      ['write', 'w', 'running', undefined],
      ['read', 'y', 'ok', 'second'],
    ])
    store.close()
  })

  it('takes tool:called then tool:started of one call as one step, and a lone completion as a whole one', async () => {
    const store = await storeWith([
      ev('tool', 'called', { tool: 'bash', args: { cmd: 'ls' } }),
      ev('tool', 'started', { tool: 'bash' }),
      ev('tool', 'started', { tool: 'bash', args: { cmd: 'pwd' } }),
      ev('tool', 'called', { tool: 'web', call_id: 'w1' }),
      ev('tool', 'started', { tool: 'web', call_id: 'w1', args: 'late args' }),
      ev('tool', 'completed', { tool: 'bash', result: 'a b' }),
      ev('tool', 'completed', { tool: 'bash', result: '/tmp' }),
      ev('tool', 'completed', { tool: 'web', call_id: 'w1' }),
      ev('tool', 'completed', { tool: 'ghost', result: 42, duration_ms: 500 }),
    ])
    const steps = all(store)
    expect(steps.map((s) => [s.name, s.input, s.output, s.status])).toEqual([
      ['bash', { cmd: 'ls' }, 'a b', 'ok'],
      ['bash', { cmd: 'pwd' }, '/tmp', 'ok'],
      ['web', 'late args', undefined, 'ok'],
      ['ghost', undefined, 42, 'ok'],
    ])
    expect(steps[3]!.duration_ms).toBe(500)
    expect(steps[3]!.ended_at! - steps[3]!.started_at).toBe(500)
    store.close()
  })
})

describe('steps: model calls', () => {
  it('pairs request and response, keeping prompt, completion, tokens and the given duration', async () => {
    const store = await storeWith([
      ev('model', 'request', { model: 'claude', call_id: 'm1', input: 'Say hi', input_tokens: 8 }),
      ev('model', 'request', { model: 'gpt' }),
      ev('model', 'response', { model: 'gpt', input_tokens: 3, output_tokens: 4, output: 'hey' }),
      ev('model', 'response', { call_id: 'm1', input_tokens: 10, output_tokens: 2, output: 'Hi', duration_ms: 1234 }),
      ev('model', 'response', { model: 'solo', tokens: 99, error: 'rate limited' }),
    ])
    const steps = all(store)
    expect(steps.map((s) => [s.name, s.model, s.input, s.output, s.tokens_in, s.tokens_out, s.tokens, s.status, s.duration_ms])).toEqual([
      ['claude', 'claude', 'Say hi', 'Hi', 10, 2, 12, 'ok', 1234],
      ['gpt', 'gpt', undefined, 'hey', 3, 4, 7, 'ok', 1000],
      ['solo', 'solo', undefined, undefined, undefined, undefined, 99, 'error', 0],
    ])
    expect(steps[2]!.error).toBe('rate limited')
    store.close()
  })
})

describe('steps: questions and notes', () => {
  it('a question holds its answer, who answered and how long it waited; a timeout and a withdrawal say so', async () => {
    const store = await storeWith([
      ev('agent', 'blocked', { msg_id: 'q1', question: 'Deploy?', options: ['yes', 'no'] }),
      ev('agent', 'resumed', { msg_id: 'q1', answer: 'yes', answered_by: 'Ada' }),
      ev('agent', 'blocked', { msg_id: 'q2', question: 'Which branch?' }),
      ev('agent', 'resumed', { msg_id: 'q2', timed_out: true }),
      ev('agent', 'blocked', { msg_id: 'q3', question: 'x'.repeat(300) }),
      ev('agent', 'resumed', { msg_id: 'nobody-asked', answer: 'ignored' }),
      ev('agent', 'resumed', { msg_id: 'q3', cancelled: true }),
    ])
    const steps = all(store)
    expect(steps.map((s) => [s.kind, s.step_id, s.msg_id, s.status, s.output, s.answered_by, s.duration_ms])).toEqual([
      ['question', 'q1', 'q1', 'answered', 'yes', 'Ada', 1000],
      ['question', 'q2', 'q2', 'timed_out', undefined, undefined, 1000],
      ['question', 'q3', 'q3', 'withdrawn', undefined, undefined, 2000],
    ])
    expect(steps[0]!.input).toEqual({ question: 'Deploy?', options: ['yes', 'no'] })
    expect(steps[0]!.name).toBe('Deploy?')
    expect(steps[2]!.name).toHaveLength(200)
    store.close()
  })

  it('a note is a step of its own', async () => {
    const store = await storeWith([ev('agent', 'started'), note('Looked at the logs: the disk is full')])
    expect(all(store).map((s) => [s.kind, s.name, s.input, s.status, s.turn])).toEqual([['note', 'Looked at the logs: the disk is full', 'Looked at the logs: the disk is full', 'ok', 1]])
    store.close()
  })
})

describe('steps: turns', () => {
  it('counts turns as the agent machine does: activity after an end or after waiting opens the next', async () => {
    const store = await storeWith([
      ev('agent', 'started'),
      ev('tool', 'called', { tool: 't1' }),
      ev('agent', 'completed'),
      ev('tool', 'called', { tool: 't2' }),
      ev('agent', 'waiting', { reason: 'its user' }),
      note('between turns'),
      ev('model', 'request', { model: 'm' }),
      ev('model', 'response', { model: 'm' }),
      ev('agent', 'failed', { error: 'boom' }),
      ev('agent', 'started'),
      ev('agent', 'blocked', { msg_id: 'q', question: 'ok?' }),
    ])
    expect(all(store).map((s) => [s.name, s.turn])).toEqual([
      ['t1', 1],
      ['t2', 2],
      ['between turns', 2],
      ['m', 3],
      ['ok?', 4],
    ])
    store.close()
  })
})

describe('steps: nesting', () => {
  it('puts each child right after its parent with its depth, even when the children were stored first', async () => {
    const store = await storeWith([
      ev('tool', 'called', { tool: 'first' }),
      ev('model', 'request', { call_id: 'grandchild', parent_id: 'child', model: 'm' }),
      ev('tool', 'called', { tool: 'child', call_id: 'child', parent_id: 'parent' }),
      ev('tool', 'called', { tool: 'parent', call_id: 'parent' }),
      ev('tool', 'called', { tool: 'sibling', call_id: 'sibling', parent_id: 'parent' }),
      ev('tool', 'called', { tool: 'orphan', parent_id: 'no-such-step' }),
      ev('tool', 'called', { tool: 'loop-a', call_id: 'la', parent_id: 'lb' }),
      ev('tool', 'called', { tool: 'loop-b', call_id: 'lb', parent_id: 'la' }),
    ])
    expect(all(store).map((s) => [s.name, s.depth])).toEqual([
      ['first', 0],
      ['parent', 0],
      ['child', 1],
      ['m', 2],
      ['sibling', 1],
      ['orphan', 0],
      ['loop-a', 0],
      ['loop-b', 1],
    ])
    // Pages cut through the tree and still give each step once, in the same order.
    const small = all(store, 'a', { limit: 3 })
    expect(small.map((s) => s.name)).toEqual(all(store).map((s) => s.name))
    store.close()
  })
})

describe('steps: filters and paging', () => {
  it('pages 10,000 steps by cursor, each once, and filters by kind and errors only', async () => {
    const events: Event[] = []
    for (let i = 0; i < 10_000; i++) {
      if (i % 3 === 0) events.push(ev('model', 'response', { model: 'm', tokens: i }))
      else events.push(ev('tool', 'called', { tool: 'run', call_id: `c${i}` }), ev('tool', i % 5 === 0 ? 'failed' : 'completed', { tool: 'run', call_id: `c${i}`, ...(i % 5 === 0 ? { error: `bad ${i}` } : {}) }))
    }
    const store = await storeWith(events)
    expect(store.steps.count('a')).toBe(10_000)
    const first = store.steps.page('a', {})
    expect(first.steps).toHaveLength(100)
    expect(first.total).toBe(10_000)
    expect(store.steps.page('a', { limit: 10_000 }).steps).toHaveLength(500)
    const every = all(store, 'a', { limit: 500 })
    expect(every).toHaveLength(10_000)
    expect(new Set(every.map((s) => s.seq)).size).toBe(10_000)
    expect(every.map((s) => s.seq)).toEqual([...every.map((s) => s.seq)].sort((x, y) => x - y))
    const models = all(store, 'a', { kinds: ['model'], limit: 500 })
    expect(models).toHaveLength(3334)
    expect(models.every((s) => s.kind === 'model')).toBe(true)
    const errors = store.steps.page('a', { errorsOnly: true, limit: 500 })
    const expected = Array.from({ length: 10_000 }, (_, i) => i).filter((i) => i % 3 !== 0 && i % 5 === 0).length
    expect(errors.total).toBe(expected)
    expect(errors.steps.every((s) => s.status === 'error' && s.error === `bad ${s.step_id.slice(1)}`)).toBe(true)
    expect(store.steps.page('a', { kinds: ['question', 'note'] })).toEqual({ steps: [], total: 0 })
    store.close()
  })

  it('refuses a cursor, limit or kind it did not give', async () => {
    const store = await storeWith([ev('tool', 'called', { tool: 't' })])
    for (const q of [{ cursor: 'nope' }, { cursor: '__proto__' }, { limit: 0 }, { limit: Number.NaN }, { kinds: ['tool', 'agent'] }] as StepQuery[])
      expect(() => store.steps.page('a', q)).toThrow(InvalidStepQuery)
    store.close()
  })
})

describe('steps: bounds', () => {
  it(`cuts arguments, results, prompts and completions past ${MAX_STEP_TEXT} characters and says so`, async () => {
    const long = 'x'.repeat(MAX_STEP_TEXT + 10)
    const store = await storeWith([
      ev('tool', 'called', { tool: 't', call_id: 'big', args: { text: long } }),
      ev('tool', 'completed', { tool: 't', call_id: 'big', result: long }),
      ev('tool', 'called', { tool: 't', call_id: 'small', args: { text: 'short' } }),
    ])
    const [big, small] = all(store)
    expect(big!.truncated).toBe(true)
    expect(typeof big!.input).toBe('string')
    expect((big!.input as string).length).toBe(MAX_STEP_TEXT + 1)
    expect((big!.input as string).startsWith('{"text":"xxx')).toBe(true)
    expect(big!.output).toBe(`${'x'.repeat(MAX_STEP_TEXT)}…`)
    expect(small!.truncated).toBeUndefined()
    expect(small!.input).toEqual({ text: 'short' })
    // A page may ask for less of each text: strings cut as strings, other values as their JSON.
    const [bigShort, smallShort] = store.steps.page('a', { textLimit: 10 }).steps
    expect([bigShort!.input, bigShort!.output, bigShort!.truncated]).toEqual(['{"text":"x…', 'xxxxxxxxxx…', true])
    expect([smallShort!.input, smallShort!.truncated]).toEqual(['{"text":"s…', true])
    expect(store.steps.page('a', { textLimit: 100 }).steps[1]).toEqual(small!)
    expect(() => store.steps.page('a', { textLimit: 0 })).toThrow(InvalidStepQuery)
    store.close()
  })
})

/** A mixed history, two agents, open calls across the end of it. */
function history(): Event[] {
  return [
    ev('agent', 'started'),
    ev('tool', 'called', { tool: 'a', call_id: 'x' }),
    ev('model', 'request', { model: 'm', input: 'p' }),
    ev('tool', 'called', { tool: 'b' }, 'other'),
    ev('agent', 'blocked', { msg_id: 'q', question: 'go?' }),
    ev('agent', 'resumed', { msg_id: 'q', answer: 'go' }),
    ev('model', 'response', { model: 'm', output: 'c', tokens: 5 }),
    ev('tool', 'completed', { tool: 'a', call_id: 'x', result: [1, 2] }),
    ev('agent', 'completed'),
    ev('tool', 'called', { tool: 'next-turn' }),
    note('n'),
  ]
}

describe('steps: derived from the events', () => {
  it('rebuilt from the events, the index equals the one kept live', async () => {
    const store = await storeWith(history())
    const live = [all(store), all(store, 'other')]
    store.steps.rebuild()
    expect([all(store), all(store, 'other')]).toEqual(live)
    expect(live[0]!.length).toBe(5)
    store.close()
  })

  it('is rebuilt at start when missing or of an older version', async () => {
    const path = tempDb()
    const store = await storeWith(history(), path)
    const live = all(store)
    store.close()
    const db = new Database(path)
    db.exec('DROP TABLE steps; DROP TABLE step_turns')
    db.close()
    const rebuilt = new EventStore(path)
    expect(all(rebuilt)).toEqual(live)
    rebuilt.close()
    const old = new Database(path)
    old.exec("UPDATE step_meta SET value = 0 WHERE key = 'version'; DELETE FROM steps")
    old.close()
    const reopened = new EventStore(path)
    expect(all(reopened)).toEqual(live)
    reopened.close()
  })

  it('catches up with events stored while the index was off', async () => {
    const path = tempDb()
    const store = new EventStore(path)
    store.steps.enabled = false
    for (const e of history()) store.append(e)
    await store.flushed()
    expect(store.steps.count('a')).toBe(0)
    store.close()
    const reopened = new EventStore(path)
    expect(reopened.steps.count('a')).toBe(5)
    reopened.close()
  })

  it('forgets what a rolled-back transaction paired: the call it closed is still open after', async () => {
    const path = tempDb()
    const store = await storeWith([ev('tool', 'called', { tool: 'slow', call_id: 'k' })], path)
    new Database(path).exec("CREATE TRIGGER refuse BEFORE INSERT ON steps WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'refused'); END")
    store.append(ev('tool', 'completed', { tool: 'slow', call_id: 'k', result: 'lost' }))
    store.append(ev('tool', 'called', { tool: 'boom' }))
    await expect(store.flushed()).rejects.toThrow()
    store.append(ev('tool', 'completed', { tool: 'slow', call_id: 'k', result: 'kept' }))
    await store.flushed()
    expect(all(store).map(brief)).toEqual([{ name: 'slow', status: 'ok', output: 'kept' }])
    store.close()
  })

  it('retention takes the steps whose opening event went', async () => {
    const path = tempDb()
    const store = await storeWith(history(), path)
    const rows = () => new Database(path).query<{ n: number }, []>('SELECT COUNT(*) AS n FROM steps').get()!.n
    expect(rows()).toBe(6)
    expect(store.steps.count('a')).toBe(5)
    // The first four events go: the tool call x and the model call opened there.
    expect(store.prune({ before: 0, keep: store.count() - 4, upTo: Infinity })).toBe(4)
    expect(all(store).map((s) => s.name)).toEqual(['go?', 'next-turn', 'n'])
    expect(store.steps.count('other')).toBe(0)
    // Gone from the file, not only from the pages (which find steps through the events).
    expect(rows()).toBe(3)
    store.close()
  })

  it('keeps the steps over a restart, and pairs a call opened before it with its completion after', async () => {
    const path = tempDb()
    const store = await storeWith(history(), path)
    const before = all(store)
    store.close()
    const reopened = new EventStore(path)
    expect(all(reopened)).toEqual(before)
    // The call opened before the restart closes after it; the turn goes on where it was.
    reopened.append(ev('tool', 'completed', { tool: 'next-turn', result: 'done' }))
    reopened.append(ev('tool', 'called', { tool: 'later' }))
    await reopened.flushed()
    expect(all(reopened).slice(-3).map((s) => [s.name, s.status, s.turn])).toEqual([
      ['next-turn', 'ok', 2],
      ['n', 'ok', 2],
      ['later', 'running', 2],
    ])
    reopened.close()
  })
})

describe('steps: hostile ids', () => {
  it('takes __proto__, constructor, 200 characters and emoji as agent and call ids', async () => {
    const ids = ['__proto__', 'constructor', 'x'.repeat(200), '🦊 agent ✨', 'hasOwnProperty']
    const events = ids.flatMap((id) => [
      ev('tool', 'called', { tool: id.slice(0, 200), call_id: id, parent_id: '__proto__' }, id),
      ev('tool', 'called', { tool: 'toString', call_id: 'constructor', parent_id: id }, id),
      ev('tool', 'completed', { tool: id.slice(0, 200), call_id: id, result: id }, id),
      ev('agent', 'blocked', { msg_id: id, question: id }, id),
      ev('agent', 'resumed', { msg_id: id, answer: id }, id),
    ])
    const store = await storeWith(events)
    for (const id of ids) {
      const steps = all(store, id)
      expect(steps).toHaveLength(3)
      expect(steps.find((s) => s.step_id === id && s.kind === 'tool')!.output).toBe(id)
      expect(steps.find((s) => s.kind === 'question')!.output).toBe(id)
      expect(store.steps.count(id)).toBe(3)
    }
    expect(store.steps.count('toString')).toBe(0)
    store.close()
  })
})
