// QuestionService over real sqlite files, run twice: with the workspace deciding (one instance) and with a real
// redis-server deciding (several instances): announce-once, first answer wins, restarts, other processes, the gate.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RedisQuestions } from '../src/cluster/redis-questions'
import { EventBus } from '../src/events/bus'
import { makeEvent, type Event } from '../src/protocol/event'
import { AlreadyAnswered, Conflict, Expired, Invalid, NotFound } from '../src/questions/errors'
import { announcedKey, questionKey, responseKey } from '../src/questions/question-record'
import { QuestionService } from '../src/questions/question-service'
import { openSqliteWorkspace } from '../src/workspace/sqlite'
import { haveRedis, startRedis, type TestRedis } from './support/redis'
import { ManualClock } from './support/clock'

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'switchboard-coord-')), 'ws.db')

/** Runs fn and returns what it threw (or the promise it returned rejected with). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

const ASK = { agent_id: 'writer', question: 'Ship it?', options: ['yes', 'no'], timeout_s: 60 }

for (const mode of ['local', 'shared'] as const)
  describe.skipIf(mode === 'shared' && !haveRedis)(`QuestionService, ${mode === 'local' ? 'the workspace deciding' : 'Redis deciding'}`, () => {
    let redis: TestRedis | undefined
    let client: Bun.RedisClient | undefined
    if (mode === 'shared') {
      beforeAll(async () => {
        redis = await startRedis()
        client = new Bun.RedisClient(redis.url)
      })
      beforeEach(async () => void (await client!.send('FLUSHALL', [])))
      afterAll(async () => {
        client?.close()
        await redis?.stop()
      })
    }

    function setup(path = tempDb(), clock = { t: 1_700_000_000_000 }) {
      const bus = new EventBus()
      const events: Event[] = []
      bus.listen((e) => events.push(e))
      // Shared: a question reaches Redis with its first decision (the local record goes with it), as one older than the shared store does.
      const authority = client && new RedisQuestions((command, args) => client!.send(command, args))
      const coord = new QuestionService({ workspace: openSqliteWorkspace(path), bus, pollMs: 10, now: () => clock.t, authority })
      const named = (wire: string) => events.filter((e) => `${e.category}:${e.action}` === wire)
      return { path, bus, events, coord, clock, named }
    }

    /** Settled where it is decided and copied here: at once with one instance, after a round trip to Redis with several. */
    const settled = (coord: QuestionService, msgId: string) => coord.waitForChange(msgId, 5_000)

    describe('ask', () => {
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

      it('returns created false and publishes nothing for a repeated msg_id with the same content', async () => {
        const { coord, named } = setup()
        expect(coord.ask({ ...ASK, msg_id: 'm1' })).toEqual({ msg_id: 'm1', created: true })
        expect(coord.ask({ ...ASK, msg_id: 'm1' })).toEqual({ msg_id: 'm1', created: false })
        expect(named('agent:blocked')).toHaveLength(1)
        expect(await thrown(() => coord.ask({ ...ASK, msg_id: 'm1', question: 'Other?' }))).toBeInstanceOf(Conflict)
        coord.close()
      })

      it('refuses invalid input with Invalid naming the field', async () => {
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
          const error = await thrown(() => coord.ask({ ...ASK, ...patch }))
          expect(error).toBeInstanceOf(Invalid)
          expect((error as Error).message.startsWith(field)).toBe(true)
        }
        expect(coord.pending()).toEqual([])
        coord.close()
      })
    })

    describe('respond and withdraw', () => {
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

      it('publishes agent:resumed with the answer and a user:responded', async () => {
        const { coord, named } = setup()
        const { msg_id } = coord.ask({ ...ASK, graph_id: 'g1' })
        const result = await coord.respond('writer', msg_id, '  yes  ')
        expect(result).toEqual({ msg_id, answer: 'yes', responded_at: 1_700_000_000_000 })
        const resumed = named('agent:resumed')
        expect(resumed).toHaveLength(1)
        expect(resumed[0]).toMatchObject({ agent_id: 'writer', graph_id: 'g1', payload: { msg_id, answer: 'yes' } })
        expect(named('user:responded')[0]!.payload).toEqual({ agent_id: 'writer', msg_id })
        coord.close()
      })

      it('refuses empty, blank and overlong answers, other agents and unknown questions', async () => {
        const { coord } = setup()
        const { msg_id } = coord.ask(ASK)
        for (const answer of ['', '   ', 'x'.repeat(4097)]) expect(await thrown(() => coord.respond('writer', msg_id, answer))).toBeInstanceOf(Invalid)
        expect(await thrown(() => coord.respond('reviewer', msg_id, 'yes'))).toBeInstanceOf(NotFound)
        expect(await thrown(() => coord.respond('writer', 'nope', 'yes'))).toBeInstanceOf(NotFound)
        expect(await thrown(() => coord.withdraw('reviewer', msg_id))).toBeInstanceOf(NotFound)
        expect(coord.status(msg_id)?.status).toBe('pending')
        coord.close()
      })

      it('a withdrawal tells the agent who withdrew it; a later answer or withdrawal is refused in the same words', async () => {
        const { coord, named } = setup()
        const { msg_id } = coord.ask(ASK)
        expect(await coord.withdraw('writer', msg_id, 'Ada')).toMatchObject({ status: 'cancelled', answered_by: 'Ada' })
        expect(named('agent:resumed').map((e) => e.payload)).toEqual([{ msg_id, cancelled: true, answered_by: 'Ada' }])
        for (const late of [() => coord.respond('writer', msg_id, 'yes'), () => coord.withdraw('writer', msg_id, 'Bo')]) {
          const error = await thrown(late)
          expect(error).toBeInstanceOf(Expired)
          expect((error as Error).message).toBe(`question ${msg_id} was withdrawn by Ada`)
        }
        const answered = coord.ask({ ...ASK, msg_id: 'answered-first' })
        await coord.respond('writer', answered.msg_id, 'no')
        const error = await thrown(() => coord.withdraw('writer', answered.msg_id, 'Ada'))
        expect(error).toBeInstanceOf(AlreadyAnswered)
        expect([(error as Error).message, (error as AlreadyAnswered).answer]).toEqual(['question answered-first is already answered: no', 'no'])
        coord.close()
      })
    })

    describe('across restarts and processes', () => {
      it('keeps pending questions and answers after reopening the file, and announces nothing again', async () => {
        const first = setup()
        const open = first.coord.ask({ ...ASK, msg_id: 'open' })
        first.coord.ask({ ...ASK, msg_id: 'done' })
        await first.coord.respond('writer', 'done', 'no')
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
        expect(await thrown(() => coord.respond('writer', msg_id, 'late'))).toBeInstanceOf(AlreadyAnswered)
        coord.close()
      })

      it('tells an agent left blocked on a settled question (a crash before its event was stored) how it ended, once', async () => {
        const { coord, named, path } = setup()
        const answered = coord.ask({ agent_id: 'crashed', question: 'Answered before the crash?' })
        await coord.respond('crashed', answered.msg_id, 'yes')
        const open = coord.ask({ agent_id: 'waiting', question: 'Still open?' })
        const before = named('agent:resumed').length
        // A new bus (a restarted process) has not seen the first agent:resumed.
        const restarted = setup(path)
        const pairs = [{ agent_id: 'crashed', msg_id: answered.msg_id }, { agent_id: 'waiting', msg_id: open.msg_id }, { agent_id: 'other', msg_id: answered.msg_id }]
        expect(restarted.coord.resettle(pairs)).toBe(1)
        expect(restarted.events.map((e) => [e.agent_id, e.payload])).toEqual([['crashed', { msg_id: answered.msg_id, answer: 'yes' }]])
        // The same event id as the one the first process published: told twice, it is one event.
        expect(restarted.events[0]!.id).toBe(named('agent:resumed')[before - 1]!.id)
        expect(restarted.coord.resettle(pairs)).toBe(0)
        coord.close()
        restarted.coord.close()
      })

      it('tells it again who withdrew it (regression: told again after a restart, a withdrawal had lost the name)', async () => {
        const { coord, named, path } = setup()
        const { msg_id } = coord.ask({ agent_id: 'left', question: 'Still needed?' })
        await coord.withdraw('left', msg_id, 'Ada')
        const restarted = setup(path)
        expect(restarted.coord.resettle([{ agent_id: 'left', msg_id }])).toBe(1)
        expect(restarted.events.map((e) => e.payload)).toEqual([{ msg_id, cancelled: true, answered_by: 'Ada' }])
        const first = named('agent:resumed')[0]!
        expect([restarted.events[0]!.id, restarted.events[0]!.payload]).toEqual([first.id, first.payload])
        coord.close()
        restarted.coord.close()
      })
    })

    describe('timeouts', () => {
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
        expect(await thrown(() => coord.respond('writer', msg_id, 'yes'))).toBeInstanceOf(Expired)
        coord.close()
      })

      it('expires a question answered or withdrawn past its deadline before any poll noticed', async () => {
        const { coord, clock, named } = setup()
        const answered = coord.ask({ ...ASK, timeout_s: 1 })
        const withdrawn = coord.ask({ ...ASK, timeout_s: 1 })
        clock.t += 1_000
        expect(await thrown(() => coord.respond('writer', answered.msg_id, 'yes'))).toBeInstanceOf(Expired)
        expect(await thrown(() => coord.withdraw('writer', withdrawn.msg_id, 'Ada'))).toBeInstanceOf(Expired)
        for (const { msg_id } of [answered, withdrawn]) expect(coord.status(msg_id)?.status).toBe('timeout')
        expect(named('agent:resumed').map((e) => e.payload)).toEqual([answered, withdrawn].map(({ msg_id }) => ({ msg_id, timed_out: true })))
        coord.close()
      })
    })

    describe('agent:blocked at the bus gate, and what agents report', () => {
      const ingested = (msgId: string | undefined, question = 'From the wire?') =>
        makeEvent('agent', 'blocked', { agent_id: 'remote', graph_id: 'g9', payload: { msg_id: msgId, question, options: ['a'], timeout_s: 30 } })

      it('turns each into one pending record as it is published; the same question again is a no-op', async () => {
        const { coord, bus, named } = setup()
        coord.start()
        const anonymous = ingested(undefined)
        const batch = [ingested('wire-1'), ingested('wire-1'), anonymous]
        expect(bus.publishAll(batch)).toBe(3)
        coord.pollOnce()
        expect(coord.pending().map((q) => q.msg_id).sort()).toEqual(['wire-1', anonymous.id].sort())
        expect(coord.pending().find((q) => q.msg_id === 'wire-1')).toEqual(
          { msg_id: 'wire-1', agent_id: 'remote', graph_id: 'g9', question: 'From the wire?', options: ['a'], timeout_s: 30, kind: 'options', status: 'pending', created_at: 1_700_000_000_000 },
        )
        // The events are what the agent sent; the service announces none of its own for them.
        expect(named('agent:blocked').map((e) => e.id)).toEqual(batch.map((e) => e.id))
        expect((await coord.respond('remote', 'wire-1', 'a')).answer).toBe('a')
        coord.close()
      })

      it('refuses a batch whole when one msg_id already holds a different question: no record, no card, no event', async () => {
        const { coord, bus, events } = setup()
        bus.publish(ingested('wire-2'))
        const seen = events.length
        const batch = [ingested('wire-3'), ingested('wire-2', 'Something else?')]
        expect(await thrown(() => bus.publishAll(batch))).toBeInstanceOf(Conflict)
        expect(coord.status('wire-3')).toBeUndefined()
        // Regression: the index kept wire-3 from the rolled-back transaction, a card until the next poll.
        expect(coord.pending().map((q) => q.msg_id)).toEqual(['wire-2'])
        expect(events.length).toBe(seen)
        coord.close()
      })

      it('refuses one that cannot be a question, whichever way it comes onto the bus, naming the field', async () => {
        const { coord, bus, events } = setup()
        const bad = makeEvent('agent', 'blocked', { agent_id: 'remote', payload: { msg_id: 'no-options', question: 'Pick', kind: 'options' } })
        for (const publish of [() => bus.publish(bad), () => bus.publishAll([bad]), () => bus.deliver(bad)]) {
          const error = await thrown(publish)
          expect(error).toBeInstanceOf(Invalid)
          expect((error as Invalid).field).toBe('options')
        }
        expect([events, bus.history(), coord.pending()]).toEqual([[], [], []])
        coord.close()
      })

      it('withdraws the questions a selector picks, telling each agent with agent:resumed {cancelled: true}', async () => {
        const { coord, named } = setup()
        coord.start()
        const old = coord.ask({ agent_id: 'old-demo', question: 'Stale?', graph_id: 'demo-abc-run-1' })
        const mine = coord.ask({ agent_id: 'real', question: 'Keep me?', graph_id: 'prod' })
        expect(coord.cancel((q) => q.graph_id?.startsWith('demo-') === true)).toBe(1)
        expect((await settled(coord, old.msg_id)).status).toBe('cancelled')
        expect(coord.pending().map((q) => q.msg_id)).toEqual([mine.msg_id])
        expect(named('agent:resumed').map((e) => [e.agent_id, e.payload])).toEqual([['old-demo', { msg_id: old.msg_id, cancelled: true }]])
        coord.close()
      })

      it('cancels the pending questions of an agent that finishes, and settles one the agent says it resumed from', async () => {
        const { coord, bus } = setup()
        coord.start()
        const a = coord.ask({ agent_id: 'quitter', question: 'one?' })
        const b = coord.ask({ agent_id: 'self-served', question: 'two?' })
        bus.publish(makeEvent('agent', 'failed', { agent_id: 'quitter', payload: { error: 'gave up' } }))
        bus.publish(makeEvent('agent', 'resumed', { agent_id: 'self-served', payload: { msg_id: b.msg_id, answer: 'decided myself' } }))
        expect((await settled(coord, a.msg_id)).status).toBe('cancelled')
        expect(await settled(coord, b.msg_id)).toMatchObject({ status: 'answered', answer: 'decided myself' })
        expect(coord.pending()).toEqual([])
        expect(await thrown(() => coord.respond('quitter', a.msg_id, 'too late'))).toBeInstanceOf(Expired)
        coord.close()
      })
    })

    describe('waiting and closing', () => {
      it('resolves waitForAnswer on respond, rejects on abort and for unknown questions', async () => {
        const { coord } = setup()
        const { msg_id } = coord.ask(ASK)
        const answered = coord.waitForAnswer(msg_id)
        await coord.respond('writer', msg_id, 'yes')
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

      it('waitForAnswer says who withdrew the question', async () => {
        const { coord } = setup()
        const { msg_id } = coord.ask(ASK)
        const waiting = coord.waitForAnswer(msg_id)
        await coord.withdraw('writer', msg_id, 'Ada')
        expect(await waiting).toEqual({ cancelled: true, answered_by: 'Ada' })
        coord.close()
      })

      it('waitForChange returns the pending status after its timeout and an answer as soon as it lands', async () => {
        const { coord } = setup()
        const { msg_id } = coord.ask(ASK)
        expect((await coord.waitForChange(msg_id, 5)).status).toBe('pending')
        const changed = coord.waitForChange(msg_id, 60_000)
        await coord.respond('writer', msg_id, 'no')
        expect(await changed).toMatchObject({ status: 'answered', answer: 'no' })
        await expect(coord.waitForChange('unknown', 5)).rejects.toBeInstanceOf(NotFound)
        coord.close()
      })

      it('close is idempotent, stops the polling interval and rejects open waits', async () => {
        const clock = new ManualClock()
        const authority = client && new RedisQuestions((command, args) => client!.send(command, args))
        const coord = new QuestionService({ workspace: openSqliteWorkspace(tempDb()), bus: new EventBus(), pollMs: 10, authority, timers: clock })
        let polls = 0
        coord.pollOnce = () => void polls++
        coord.start()
        clock.advance(30)
        expect(polls).toBe(3)
        const { msg_id } = coord.ask(ASK)
        const waiting = coord.waitForAnswer(msg_id)
        coord.close()
        coord.close()
        await expect(waiting).rejects.toThrow('question service closed')
        expect(clock.pending).toBe(0)
        clock.advance(50)
        expect(polls).toBe(3)
      })
    })
  })
