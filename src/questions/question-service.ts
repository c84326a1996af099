// The question service: the workspace's question records are the one truth about every question (with several
// instances, the shared records are, and the workspace is this instance's copy: shared-decisions.ts). Layout
// (shared with Remora): `outbox:question:{msg_id}` the QuestionRecord, `inbox:response:{msg_id}` the ResponseRecord,
// `announced:{msg_id}` a marker apart from the record, so a record another process wrote raw still gets announced
// once. Cards derive from `pending()`, an index kept in step with every write here, re-read on each poll.
import type { EventBus } from '../events/bus'
import { makeEvent, wireName, type Event } from '../protocol/event'
import { answerSummary } from '../protocol/form'
import type { Workspace } from '../workspace/workspace'
import { AlreadyAnswered, Expired, NotFound, ServiceClosing } from './errors'
import { statusOf, type QuestionAuthority, type Truth } from './authority'
import { SharedDecisions, type LocalCopy } from './shared-decisions'
import { PendingIndex } from './pending-index'
import { QuestionCopy } from './question-copy'
import { reportedEndings } from './agent-reports'
import { OnceLog } from '../telemetry/once'
import { Waiters } from './waiters'
import { countAsked } from './question-metrics'
import {
  announcedKey,
  askInputOf,
  blockedEvent,
  resumedEvent,
  type Settled,
  checkAnswer,
  settledOf,
  pastDeadline,
  questionKey,
  recordFromInput,
  responseKey,
  type AnswerResult,
  type AskInput,
  type PendingQuestion,
  type QuestionRecord,
  type QuestionStatus,
  type ResponseRecord,
} from './question-record'

export interface QuestionServiceOptions {
  workspace: Workspace
  bus: EventBus
  pollMs?: number
  now?: () => number
  /** several instances (REDIS_URL): where questions are decided; the workspace is then this instance's copy */
  authority?: QuestionAuthority
}

export class QuestionService {
  private readonly ws: Workspace
  private readonly bus: EventBus
  private readonly pollMs: number
  private readonly now: () => number
  private readonly waiters: Waiters
  private readonly skipped = new OnceLog('[questions] skipping')
  private readonly index = new PendingIndex()
  private readonly copy: QuestionCopy
  private timer?: ReturnType<typeof setInterval>
  private unlisten?: () => void
  private closed = false
  private closing = false
  /** several instances: answers, withdrawals and timeouts are decided here (respond() and withdraw() are the local ones) */
  readonly shared?: SharedDecisions

  constructor({ workspace, bus, pollMs = 250, now = Date.now, authority }: QuestionServiceOptions) {
    this.ws = workspace
    this.bus = bus
    this.pollMs = pollMs
    this.now = now
    this.copy = new QuestionCopy(workspace, this.index, now, this.skipped)
    this.waiters = new Waiters(bus, (msgId) => this.status(msgId))
    if (authority) {
      const local: LocalCopy = {
        record: (id) => this.copy.record(id),
        status: (id) => this.status(id),
        keep: (id, record) => void this.ws.transaction(() => this.copy.store(id, record)),
        pendingIds: () => this.index.entries().map(([id]) => id),
        adopt: (id, truth) => this.adopt(id, truth),
        waitLocal: (id, ms, signal) => this.waiters.wait(id, signal, this.closing ? 0 : ms, true),
      }
      this.shared = new SharedDecisions(authority, local, bus, now, (what, e) => this.skipped.report(what, e))
    }
  }

  /** Several instances: the shared record says msg_id ended; true when the copy here was pending until now. */
  private adopt(msgId: string, truth: Truth): boolean {
    const changed = this.copy.adopt(msgId, truth)
    this.waiters.checkAll()
    return changed
  }

  /** The status that decides: the shared record's with several instances, else the workspace's. */
  async current(msg_id: string): Promise<QuestionStatus | undefined> {
    return this.shared ? this.shared.current(msg_id) : this.status(msg_id)
  }

  /** With several instances, at start: the copy brought in line with the shared records. */
  async sync(): Promise<void> {
    await this.shared?.sync()
  }

  start(): void {
    if (this.closed || this.timer) return
    this.copy.reindex()
    this.unlisten = this.bus.listen((e) => this.follow(e))
    // Nothing is re-announced: actors come back from the event store, cards from the records; a replay must not repeat what it replays.
    this.timer = setInterval(() => this.safePoll(), this.pollMs)
  }

  /** The pending questions, oldest first: what the page shows as cards. */
  pending(): PendingQuestion[] {
    return this.index.list()
  }

  /** Called whenever the set of pending questions changes. Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    return this.index.onChange(listener)
  }

  ask(input: AskInput | unknown): { msg_id: string; created: boolean } {
    const { msgId, record } = recordFromInput(input, this.now())
    const created = this.ws.transaction(() => this.copy.store(msgId, record))
    if (created) this.publishBlocked(msgId, record)
    return { msg_id: msgId, created }
  }

  /** Records for agent:blocked events at ingest, before they are published: all or none (Conflict: a msg_id holds another question). */
  admit(events: readonly Event[]): void {
    const blocked = events.filter((e) => wireName(e) === 'agent:blocked')
    if (!blocked.length) return
    const now = this.now()
    const made = blocked.map((e) => recordFromInput(askInputOf(e), now))
    // Counted once committed: a conflict later in the batch rolls back the earlier records too.
    countAsked(this.ws.transaction(() => made.filter(({ msgId, record }) => this.copy.store(msgId, record)).length))
  }

  /** A person's answer, checked against the question's kind; `by` is who answers, when known. */
  respond(agent_id: string, msg_id: string, answer: unknown, by?: string): { msg_id: string } & ResponseRecord {
    const outcome = this.ws.transaction(() => {
      const record = this.copy.record(msg_id)
      if (!record || record.agent_id !== agent_id) return { kind: 'missing' as const }
      if (record.status !== 'pending') return { kind: record.status, record, settled: undefined, response: undefined }
      // An answer another process wrote straight into the inbox came first.
      const raw = this.copy.response(msg_id)
      if (raw) return { kind: 'answered' as const, record, settled: this.copy.settle(msg_id, record, { kind: 'answered', response: raw }) }
      if (pastDeadline(record, this.now())) return { kind: 'timeout' as const, record, settled: this.copy.settle(msg_id, record, { kind: 'timeout' }) }
      const response: ResponseRecord = { answer: checkAnswer(record, answer), responded_at: this.now() }
      if (by !== undefined) response.answered_by = by
      this.ws.set(responseKey(msg_id), response)
      return { kind: 'ok' as const, record, response, settled: this.copy.settle(msg_id, record, { kind: 'answered', response }) }
    })
    if (outcome.kind === 'missing') throw new NotFound(`no question ${msg_id} for agent ${agent_id}`)
    if (outcome.settled) this.bus.publish(resumedEvent(msg_id, outcome.record, outcome.settled))
    if (outcome.kind === 'answered') {
      const earlier = this.copy.response(msg_id)
      const said = earlier && answerSummary(earlier.answer)
      throw new AlreadyAnswered(`question ${msg_id} is already answered${said ? `: ${said}` : ''}`, said)
    }
    if (outcome.kind === 'timeout') throw new Expired(`question ${msg_id} has timed out`)
    if (outcome.kind === 'cancelled') throw new Expired(`question ${msg_id} was cancelled`)
    this.bus.publish(makeEvent('user', 'responded', { agent_id, payload: { agent_id, msg_id } }))
    return { msg_id, ...outcome.response! }
  }

  /** The status in this instance's workspace (with several instances, a copy: see current()). */
  status(msg_id: string): QuestionStatus | undefined {
    const record = this.copy.record(msg_id)
    if (!record) return undefined
    return statusOf(record, record.status === 'answered' ? this.copy.response(msg_id) : undefined)
  }

  async waitForAnswer(msg_id: string, signal?: AbortSignal): Promise<AnswerResult> {
    if (this.closing) throw new ServiceClosing()
    const s = await this.waiters.wait(msg_id, signal)
    if (s.status === 'timeout') return { timed_out: true }
    if (s.status === 'cancelled') return { cancelled: true }
    return { answer: s.answer ?? '', responded_at: s.responded_at ?? 0, ...(s.answered_by ? { answered_by: s.answered_by } : {}) }
  }

  /** Resolves when msg_id leaves pending or after timeoutMs; at once, with the status as it is, while stopping. */
  waitForChange(msg_id: string, timeoutMs: number, signal?: AbortSignal): Promise<QuestionStatus> {
    if (this.shared) return this.shared.waitForChange(msg_id, this.closing ? 0 : timeoutMs, signal)
    return this.waiters.wait(msg_id, signal, this.closing ? 0 : timeoutMs)
  }

  get stopping(): boolean { return this.closing } // once release() was called

  /** One reconciliation pass; the interval calls it, tests call it to be deterministic. */
  pollOnce(): void {
    if (this.closed) return
    const now = this.now()
    this.copy.reindex()
    for (const [msgId, record] of this.index.entries()) {
      try {
        this.reconcile(msgId, record, now)
      } catch (error) {
        this.skipped.report(questionKey(msgId), error)
      }
    }
    this.shared?.retry()
    this.waiters.checkAll()
  }

  /** Withdraw the pending questions `which` selects (a demo no longer running); agents are told. Returns how many. */
  cancel(which: (q: PendingQuestion) => boolean): number {
    const chosen = this.pending().filter(which)
    for (const q of chosen)
      if (this.shared) this.shared.propose(q.msg_id, q.agent_id, { kind: 'cancelled' }, true)
      else this.settleOne(q.msg_id, { kind: 'cancelled' }, true)
    return chosen.length
  }

  /** A person withdraws one pending question (stale, no longer relevant): the agent is told it was cancelled. */
  withdraw(agent_id: string, msg_id: string, by?: string): QuestionStatus {
    const s = this.status(msg_id)
    if (!s || s.agent_id !== agent_id) throw new NotFound(`no question ${msg_id} for agent ${agent_id}`)
    if (s.status === 'answered') throw new AlreadyAnswered(`question ${msg_id} is already answered`, s.answer === undefined ? undefined : answerSummary(s.answer))
    if (s.status !== 'pending') throw new Expired(`question ${msg_id} has ${s.status === 'timeout' ? 'timed out' : 'been withdrawn'}`)
    this.settleOne(msg_id, { kind: 'cancelled', by }, true)
    return this.status(msg_id)!
  }

  /**
   * After a restart: an agent the event store left blocked on a question its record says is settled
   * (answered, timed out, withdrawn) is told again. A crash between the record's transaction and the
   * event's commit would otherwise leave it blocked, with no card to answer. Returns how many.
   */
  resettle(awaiting: ReadonlyArray<{ agent_id: string; msg_id: string }>): number {
    let told = 0
    for (const { agent_id, msg_id } of awaiting) {
      const record = this.copy.record(msg_id)
      if (!record || record.agent_id !== agent_id || record.status === 'pending') continue
      // A record another process rewrote may fit no event (a line break in its graph_id): one line, not a start that throws.
      try {
        if (this.bus.publish(resumedEvent(msg_id, record, settledOf(record, this.copy.response(msg_id))))) told++
      } catch (error) {
        this.skipped.report(questionKey(msg_id), error)
      }
    }
    return told
  }

  /** Stopping: answer the long-polls with what is known now and refuse new waits; the file stays open. */
  release(): void {
    this.closing = true
    this.waiters.releaseAll(new ServiceClosing())
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    this.unlisten?.()
    this.waiters.cancelAll(new Error('question service closed'))
    this.ws.close()
  }

  /** Bus listener: what agents report settles their questions. Inside bus.publish: a throw would break its ingest, so report instead. */
  private follow(e: Event): void {
    try {
      for (const [msgId, s] of reportedEndings(e, this.index.view(), this.now()))
        // Several instances: the shared record decides (it may hold another outcome already); the copy follows it.
        if (this.shared) this.shared.propose(msgId, this.index.get(msgId)!.agent_id, s, false)
        else this.settleOne(msgId, s, false)
    } catch (error) {
      this.skipped.report(`event ${e.id}`, error)
    }
  }

  /** Settle one pending question in its own transaction; `announce` publishes agent:resumed for it. */
  private settleOne(msgId: string, s: Settled, announce: boolean): void {
    const record = this.ws.transaction(() => {
      const current = this.copy.record(msgId)
      if (current?.status !== 'pending') return undefined
      if (s.kind === 'answered' && !this.copy.response(msgId)) this.ws.set(responseKey(msgId), s.response)
      this.copy.settle(msgId, current, s)
      return current
    })
    if (record && announce) this.bus.publish(resumedEvent(msgId, record, s))
    this.waiters.checkAll()
  }

  private reconcile(msgId: string, seen: QuestionRecord, now: number): void {
    const needsWork = !this.ws.get(announcedKey(msgId)) || this.copy.response(msgId) || pastDeadline(seen, now)
    if (!needsWork) return
    // Re-read under the write lock: another process on the same file may have got here first.
    const result = this.ws.transaction(() => {
      const record = this.copy.record(msgId)
      if (record?.status !== 'pending') return undefined
      const announce = !this.ws.get(announcedKey(msgId))
      if (announce) this.ws.set(announcedKey(msgId), now)
      const raw = this.copy.response(msgId)
      const expires = pastDeadline(record, now)
      let outcome: Settled | undefined = raw ? { kind: 'answered', response: raw } : expires ? { kind: 'timeout' } : undefined
      // Several instances: a deadline (or an answer written raw into this file) is proposed to the shared record.
      if (outcome && this.shared) {
        this.shared.propose(msgId, record.agent_id, outcome, true)
        outcome = undefined
      }
      const settled = outcome && this.copy.settle(msgId, record, outcome)
      return { record, announce, settled }
    })
    if (!result) return
    if (result.announce) this.publishBlocked(msgId, result.record)
    if (result.settled) this.bus.publish(resumedEvent(msgId, result.record, result.settled))
  }

  private publishBlocked(msgId: string, r: QuestionRecord): void {
    // Asked here, or written by another process and seen now: announced once, so counted once.
    countAsked()
    try {
      this.bus.publish(blockedEvent(msgId, r))
    } catch (error) {
      // A record another process wrote may not fit an event (a 5,000-character question): the card still shows.
      this.skipped.report(questionKey(msgId), error)
    }
  }

  // A throw inside setInterval is an uncaught exception; a busy or broken file must not end the process.
  private safePoll(): void {
    try {
      this.pollOnce()
    } catch (error) {
      this.skipped.report('poll', error)
    }
  }
}
