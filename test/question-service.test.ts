// QuestionService over real sqlite files: announce-once, first answer wins, restarts, other processes.
import { describe, expect, it } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus } from '../src/events/bus'
import { makeEvent, type Event } from '../src/protocol/event'
import { AlreadyAnswered, Conflict, Expired, Invalid, NotFound } from '../src/questions/errors'
import { announcedKey, questionKey, responseKey } from '../src/questions/question-record'
import { QuestionService } from '../src/questions/question-service'
import { openSqliteWorkspace } from '../src/workspace/sqlite'

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'switchboard-coord-')), 'ws.db')

function setup(path = tempDb(), clock = { t: 1_700_000_000_000 }) {
  const bus = new EventBus()
  const events: Event[] = []
  bus.listen((e) => events.push(e))
  const coord = new QuestionService({ workspace: openSqliteWorkspace(path), bus, pollMs: 10, now: () => clock.t })
  const named = (wire: string) => events.filter((e) => `${e.category}:${e.action}` === wire)
  return { path, bus, events, coord, clock, named }
}

/** Runs fn and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

const ASK = { agent_id: 'writer', question: 'Ship it?', options: ['yes', 'no'], timeout_s: 60 }

describe('QuestionService.ask', () => {
  it('publishes exactly one agent:blocked carrying the question', () => {
    const { coord, named } = setup()
    // started, so the adopter also sees our own event: it must not handle it a second time
    coord.start()
    const { msg_id, created } = coord.ask({ ...ASK, graph_id: 'g1' })
    expect(created).toBe(true)
    coord.pollOnce()
    const blocked = named('agent:blocked')
    expect(blocked).toHaveLength(1)
    expect(blocked[0]).toMatchObject({ agent_id: 'writer', graph_id: 'g1' })
    expect(blocked[0]!.payload).toEqual({ msg_id, question: 'Ship it?', options: ['yes', 'no'], kind: 'options', timeout_s: 60 })
    coord.close()
  })

  it('returns created false and publishes nothing for a repeated msg_id with the same content', () => {
    const { coord, named } = setup()
    expect(coord.ask({ ...ASK, msg_id: 'm1' })).toEqual({ msg_id: 'm1', created: true })
    expect(coord.ask({ ...ASK, msg_id: 'm1' })).toEqual({ msg_id: 'm1', created: false })
    expect(named('agent:blocked')).toHaveLength(1)
    expect(thrown(() => coord.ask({ ...ASK, msg_id: 'm1', question: 'Other?' }))).toBeInstanceOf(Conflict)
    coord.close()
  })

  it('refuses invalid input with Invalid naming the field', () => {
    const { coord } = setup()
    const cases: Array<[Partial<typeof ASK> & { msg_id?: string }, string]> = [
      [{ question: '   ' }, 'question'],
      [{ question: 'x'.repeat(4097) }, 'question'],
      [{ options: Array.from({ length: 21 }, (_, i) => `o${i}`) }, 'options'],
      [{ options: ['ok', ' '] }, 'options[1]'],
      [{ timeout_s: 0 }, 'timeout_s'],
      [{ timeout_s: 86_401 }, 'timeout_s'],
      [{ agent_id: 'a\nb' }, 'agent_id'],
      [{ msg_id: 'x'.repeat(201) }, 'msg_id'],
    ]
    for (const [patch, field] of cases) {
      const error = thrown(() => coord.ask({ ...ASK, ...patch }))
      expect(error).toBeInstanceOf(Invalid)
      expect((error as Error).message.startsWith(field)).toBe(true)
    }
    expect(coord.pending()).toEqual([])
    coord.close()
  })
})

describe('QuestionService.respond', () => {
  it('lets exactly one of 50 concurrent answers across two connections win', async () => {
    const a = setup()
    const b = setup(a.path)
    const { msg_id } = a.coord.ask(ASK)
    const attempts = Array.from({ length: 50 }, async (_, i) => (i % 2 ? a : b).coord.respond('writer', msg_id, `answer ${i}`))
    const results = await Promise.allSettled(attempts)
    const won = results.filter((r) => r.status === 'fulfilled')
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(49)
    for (const r of lost) expect(r.reason).toBeInstanceOf(AlreadyAnswered)
    const winner = (won[0] as PromiseFulfilledResult<{ answer: string }>).value.answer
    expect(b.coord.status(msg_id)).toMatchObject({ status: 'answered', answer: winner })
    a.coord.close()
    b.coord.close()
  })

  it('publishes agent:resumed with the answer and a user:responded', () => {
    const { coord, named } = setup()
    const { msg_id } = coord.ask({ ...ASK, graph_id: 'g1' })
    const result = coord.respond('writer', msg_id, '  yes  ')
    expect(result).toEqual({ msg_id, answer: 'yes', responded_at: 1_700_000_000_000 })
    const resumed = named('agent:resumed')
    expect(resumed).toHaveLength(1)
    expect(resumed[0]).toMatchObject({ agent_id: 'writer', graph_id: 'g1', payload: { msg_id, answer: 'yes' } })
    expect(named('user:responded')[0]!.payload).toEqual({ agent_id: 'writer', msg_id })
    coord.close()
  })

  it('refuses empty, blank and overlong answers, other agents and unknown questions', () => {
    const { coord } = setup()
    const { msg_id } = coord.ask(ASK)
    for (const answer of ['', '   ', 'x'.repeat(4097)]) expect(thrown(() => coord.respond('writer', msg_id, answer))).toBeInstanceOf(Invalid)
    expect(thrown(() => coord.respond('reviewer', msg_id, 'yes'))).toBeInstanceOf(NotFound)
    expect(thrown(() => coord.respond('writer', 'nope', 'yes'))).toBeInstanceOf(NotFound)
    expect(coord.status(msg_id)?.status).toBe('pending')
    coord.close()
  })
})

describe('QuestionService across restarts and processes', () => {
  it('keeps pending questions and answers after reopening the file, and announces nothing again', () => {
    const first = setup()
    const open = first.coord.ask({ ...ASK, msg_id: 'open' })
    first.coord.ask({ ...ASK, msg_id: 'done' })
    first.coord.respond('writer', 'done', 'no')
    first.coord.close()
    const second = setup(first.path)
    second.coord.start()
    for (let i = 0; i < 3; i++) second.coord.pollOnce()
    expect(second.coord.pending().map((q) => q.msg_id)).toEqual([open.msg_id])
    expect(second.coord.status('done')).toMatchObject({ status: 'answered', answer: 'no', agent_id: 'writer' })
    // The restarted process rebuilds its actors from the event store: re-announcing would log the question twice.
    expect(second.named('agent:blocked')).toEqual([])
    second.coord.close()
  })

  it('announces a question written raw by another process exactly once, across coordinators', () => {
    const a = setup()
    const b = setup(a.path)
    const other = openSqliteWorkspace(a.path)
    other.set(questionKey('raw'), { agent_id: 'remora', question: 'Proceed?', status: 'pending', created_at: 1_700_000_000_000 })
    for (let i = 0; i < 3; i++) {
      a.coord.pollOnce()
      b.coord.pollOnce()
    }
    expect(a.named('agent:blocked').length + b.named('agent:blocked').length).toBe(1)
    expect(a.named('agent:blocked')[0]!.payload).toEqual({ msg_id: 'raw', question: 'Proceed?', options: [], kind: 'text' })
    expect(other.get(announcedKey('raw'))).toBeDefined()
    for (const c of [a, b, { coord: other }]) c.coord.close()
  })

  it('resolves waitForAnswer when another process writes the answer into the inbox', async () => {
    const { coord, path, named } = setup()
    const { msg_id } = coord.ask(ASK)
    const waiting = coord.waitForAnswer(msg_id)
    const other = openSqliteWorkspace(path)
    other.set(responseKey(msg_id), { answer: 'from remora', responded_at: 5 })
    other.close()
    coord.pollOnce()
    expect(await waiting).toEqual({ answer: 'from remora', responded_at: 5 })
    expect(coord.status(msg_id)?.status).toBe('answered')
    expect(named('agent:resumed')[0]!.payload).toEqual({ msg_id, answer: 'from remora' })
    expect(thrown(() => coord.respond('writer', msg_id, 'late'))).toBeInstanceOf(AlreadyAnswered)
    coord.close()
  })
})

describe('QuestionService timeouts', () => {
  it('times a question out on the poll after its deadline and refuses a later answer', async () => {
    const { coord, clock, named } = setup()
    const { msg_id } = coord.ask({ ...ASK, timeout_s: 0.05 })
    const waiting = coord.waitForAnswer(msg_id)
    coord.pollOnce()
    expect(coord.status(msg_id)?.status).toBe('pending')
    clock.t += 50
    coord.pollOnce()
    expect(await waiting).toEqual({ timed_out: true })
    expect(coord.status(msg_id)?.status).toBe('timeout')
    expect(named('agent:resumed').map((e) => e.payload)).toEqual([{ msg_id, timed_out: true }])
    expect(thrown(() => coord.respond('writer', msg_id, 'yes'))).toBeInstanceOf(Expired)
    coord.close()
  })

  it('expires a question answered past its deadline before any poll noticed', () => {
    const { coord, clock, named } = setup()
    const { msg_id } = coord.ask({ ...ASK, timeout_s: 1 })
    clock.t += 1_000
    expect(thrown(() => coord.respond('writer', msg_id, 'yes'))).toBeInstanceOf(Expired)
    expect(coord.status(msg_id)?.status).toBe('timeout')
    expect(named('agent:resumed').map((e) => e.payload)).toEqual([{ msg_id, timed_out: true }])
    coord.close()
  })
})

describe('QuestionService admitting ingested agent:blocked events', () => {
  const ingested = (msgId: string | undefined, question = 'From the wire?') =>
    makeEvent('agent', 'blocked', { agent_id: 'remote', graph_id: 'g9', payload: { msg_id: msgId, question, options: ['a'], timeout_s: 30 } })

  it('turns each into one pending record before it is published; the same question again is a no-op', () => {
    const { coord, named } = setup()
    coord.start()
    const anonymous = ingested(undefined)
    coord.admit([ingested('wire-1'), ingested('wire-1'), anonymous])
    coord.pollOnce()
    expect(coord.pending().map((q) => q.msg_id).sort()).toEqual(['wire-1', anonymous.id].sort())
    expect(coord.pending()).toHaveLength(2)
    expect(coord.pending().find((q) => q.msg_id === 'wire-1')).toEqual(
      { msg_id: 'wire-1', agent_id: 'remote', graph_id: 'g9', question: 'From the wire?', options: ['a'], timeout_s: 30, kind: 'options', status: 'pending', created_at: 1_700_000_000_000 },
    )
    // Admitting writes the record; the ingest route publishes the event itself.
    expect(named('agent:blocked')).toHaveLength(0)
    expect(coord.respond('remote', 'wire-1', 'a').answer).toBe('a')
    coord.close()
  })

  it('refuses a batch whole when one msg_id already holds a different question', () => {
    const { coord } = setup()
    coord.admit([ingested('wire-2')])
    expect(thrown(() => coord.admit([ingested('wire-3'), ingested('wire-2', 'Something else?')]))).toBeInstanceOf(Conflict)
    expect(coord.status('wire-3')).toBeUndefined()
    coord.close()
  })

  it('tells an agent left blocked on a settled question (a crash before its event was stored) how it ended, once', () => {
    const { coord, named } = setup()
    const answered = coord.ask({ agent_id: 'crashed', question: 'Answered before the crash?' })
    coord.respond('crashed', answered.msg_id, 'yes')
    const open = coord.ask({ agent_id: 'waiting', question: 'Still open?' })
    const before = named('agent:resumed').length
    // A new bus (a restarted process) has not seen the first agent:resumed.
    const restarted = new QuestionService({ workspace: coord['ws'], bus: new EventBus(), now: () => 1_700_000_000_000 })
    const heard: Event[] = []
    restarted['bus'].listen((e) => heard.push(e))
    const pairs = [{ agent_id: 'crashed', msg_id: answered.msg_id }, { agent_id: 'waiting', msg_id: open.msg_id }, { agent_id: 'other', msg_id: answered.msg_id }]
    expect(restarted.resettle(pairs)).toBe(1)
    expect(heard.map((e) => [e.agent_id, e.payload])).toEqual([['crashed', { msg_id: answered.msg_id, answer: 'yes' }]])
    // The same event id as the one the first process published: told twice, it is one event.
    expect(heard[0]!.id).toBe(named('agent:resumed')[before - 1]!.id)
    expect(restarted.resettle(pairs)).toBe(0)
    coord.close()
  })

  it('withdraws the questions a selector picks, telling each agent with agent:resumed {cancelled: true}', () => {
    const { coord, named } = setup()
    coord.start()
    const old = coord.ask({ agent_id: 'old-demo', question: 'Stale?', graph_id: 'demo-abc-run-1' })
    const mine = coord.ask({ agent_id: 'real', question: 'Keep me?', graph_id: 'prod' })
    expect(coord.cancel((q) => q.graph_id?.startsWith('demo-') === true)).toBe(1)
    expect(coord.status(old.msg_id)?.status).toBe('cancelled')
    expect(coord.pending().map((q) => q.msg_id)).toEqual([mine.msg_id])
    expect(named('agent:resumed').map((e) => [e.agent_id, e.payload])).toEqual([['old-demo', { msg_id: old.msg_id, cancelled: true }]])
    coord.close()
  })

  it('cancels the pending questions of an agent that finishes, and settles one the agent says it resumed from', () => {
    const { coord, bus } = setup()
    coord.start()
    const a = coord.ask({ agent_id: 'quitter', question: 'one?' })
    const b = coord.ask({ agent_id: 'self-served', question: 'two?' })
    bus.publish(makeEvent('agent', 'failed', { agent_id: 'quitter', payload: { error: 'gave up' } }))
    bus.publish(makeEvent('agent', 'resumed', { agent_id: 'self-served', payload: { msg_id: b.msg_id, answer: 'decided myself' } }))
    expect(coord.status(a.msg_id)?.status).toBe('cancelled')
    expect(coord.status(b.msg_id)).toMatchObject({ status: 'answered', answer: 'decided myself' })
    expect(coord.pending()).toEqual([])
    expect(thrown(() => coord.respond('quitter', a.msg_id, 'too late'))).toBeInstanceOf(Expired)
    coord.close()
  })
})

describe('QuestionService waiting and closing', () => {
  it('resolves waitForAnswer on respond, rejects on abort and for unknown questions', async () => {
    const { coord } = setup()
    const { msg_id } = coord.ask(ASK)
    const answered = coord.waitForAnswer(msg_id)
    coord.respond('writer', msg_id, 'yes')
    expect(await answered).toEqual({ answer: 'yes', responded_at: 1_700_000_000_000 })
    expect(await coord.waitForAnswer(msg_id)).toEqual({ answer: 'yes', responded_at: 1_700_000_000_000 })
    const other = coord.ask(ASK)
    const controller = new AbortController()
    const aborted = coord.waitForAnswer(other.msg_id, controller.signal)
    controller.abort(new Error('client left'))
    await expect(aborted).rejects.toThrow('client left')
    await expect(coord.waitForAnswer('unknown')).rejects.toBeInstanceOf(NotFound)
    coord.close()
  })

  it('waitForChange returns the pending status after its timeout and an answer as soon as it lands', async () => {
    const { coord } = setup()
    const { msg_id } = coord.ask(ASK)
    expect((await coord.waitForChange(msg_id, 5)).status).toBe('pending')
    const changed = coord.waitForChange(msg_id, 60_000)
    coord.respond('writer', msg_id, 'no')
    expect(await changed).toMatchObject({ status: 'answered', answer: 'no' })
    coord.close()
  })

  it('close is idempotent, stops the polling interval and rejects open waits', async () => {
    const { coord } = setup()
    let polls = 0
    let firstPoll!: () => void
    const polled = new Promise<void>((resolve) => (firstPoll = resolve))
    coord.pollOnce = () => {
      polls++
      firstPoll()
    }
    coord.start()
    await polled
    const { msg_id } = coord.ask(ASK)
    const waiting = coord.waitForAnswer(msg_id)
    coord.close()
    coord.close()
    await expect(waiting).rejects.toThrow('question service closed')
    const afterClose = polls
    // The interval itself is under test, so real time has to pass: five poll periods.
    await Bun.sleep(50)
    expect(polls).toBe(afterClose)
  })
})
