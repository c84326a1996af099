// The question service: the workspace's question records are the one truth about every question (with several
// instances, the shared records are, and the workspace is this instance's copy). Layout (shared with Remora):
// `outbox:question:{msg_id}` the QuestionRecord, `inbox:response:{msg_id}` the ResponseRecord, `announced:{msg_id}`
// a marker apart from the record, so a record another process wrote raw still gets announced once. Cards derive
// from `pending()`, an index kept in step with every write here, re-read on each poll.
import type { EventBus } from '../events/bus'
import type { Event } from '../protocol/event'
import type { Workspace } from '../workspace/workspace'
import { admission, type Admission } from './admission'
import type { QuestionAuthority } from './authority'
import type { Decisions } from './decisions'
import { answerOf } from './ended'
import { ServiceClosing } from './errors'
import { LocalDecisions } from './local-decisions'
import { logger } from '../telemetry/log'
import { OnceLog } from '../telemetry/once'
import { PendingIndex } from './pending-index'
import { QuestionCopy } from './question-copy'
import { blockedEvent } from './question-events'
import { countAsked } from './question-metrics'
import { pollFinds } from './due'
import { resettle } from './resettle'
import { reportedEndings } from './agent-reports'
import { SharedDecisions } from './shared-decisions'
import { Waiters } from './waiters'
import { questionKey, recordFromInput, type AnswerResult, type AskInput, type PendingQuestion, type QuestionRecord, type QuestionStatus, type ResponseRecord } from './question-record'

export interface QuestionServiceOptions {
  workspace: Workspace
  bus: EventBus
  pollMs?: number
  now?: () => number
  /** several instances (REDIS_URL): where questions are decided; the workspace is then this instance's copy */
  authority?: QuestionAuthority
  /** the poll's interval timer: injected by tests that check it stops */
  timers?: PollTimers
}

export interface PollTimers {
  setInterval(run: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
}
const REAL_TIMERS = { setInterval, clearInterval } as PollTimers

export class QuestionService {
  private readonly bus: EventBus
  private readonly pollMs: number
  private readonly now: () => number
  private readonly skipped = new OnceLog('skipping', logger('questions'))
  private readonly copy: QuestionCopy
  private readonly waiters: Waiters
  /** answers, withdrawals, deadlines and what agents report: decided here (one instance) or in Redis (several) */
  private readonly decisions: Decisions
  private readonly ungate: () => void
  private readonly admitted: Admission
  private readonly timers: PollTimers
  private timer?: unknown
  private unlisten?: () => void
  private closed = false
  private closing = false

  constructor({ workspace, bus, pollMs = 250, now = Date.now, authority, timers = REAL_TIMERS }: QuestionServiceOptions) {
    this.bus = bus
    this.timers = timers
    this.pollMs = pollMs
    this.now = now
    this.copy = new QuestionCopy(workspace, new PendingIndex(), now, this.skipped)
    this.waiters = new Waiters(bus, (msgId) => this.copy.status(msgId))
    const parts = { copy: this.copy, waiters: this.waiters, bus, now, skipped: this.skipped }
    // The one place that asks whether this instance is alone.
    this.decisions = authority ? new SharedDecisions(authority, parts) : new LocalDecisions(parts)
    const admitted = (this.admitted = admission(this.copy, now))
    const unhook = [bus.gate(admitted.gate), bus.listen(admitted.stored), bus.onDropped(admitted.dropped)]
    this.ungate = () => unhook.forEach((off) => off())
  }

  start(): void {
    if (this.closed || this.timer) return
    this.copy.reindex()
    this.unlisten = this.bus.listen((e) => this.follow(e))
    // Nothing is re-announced: actors come back from the event store, cards from the records; a replay must not repeat what it replays.
    this.timer = this.timers.setInterval(() => this.safePoll(), this.pollMs)
  }

  /** At start (after reading the shared stream, with several instances): the copy brought in line with the decisions. */
  sync(): Promise<void> {
    return this.decisions.sync()
  }

  /** The pending questions, oldest first: what the page shows as cards. */
  pending(): PendingQuestion[] {
    return this.copy.index.list()
  }

  /** Called whenever the set of pending questions changes. Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    return this.copy.index.onChange(listener)
  }

  ask(input: AskInput | unknown): { msg_id: string; created: boolean } {
    const { msgId, record } = recordFromInput(input, this.now())
    const created = this.copy.storeAll([{ msgId, record }]).length === 1
    // Asked here: if its announcement is then not stored, the record goes too (a 503 means not stored).
    if (created) this.publishBlocked(msgId, record, (id) => this.admitted.made(id, msgId))
    return { msg_id: msgId, created }
  }

  /** A person's answer, checked against the question's kind; `by` is who answers, when known. */
  respond(agent_id: string, msg_id: string, answer: unknown, by?: string): Promise<{ msg_id: string } & ResponseRecord> {
    return this.decisions.respond(agent_id, msg_id, answer, by)
  }

  /** A person withdraws one pending question (stale, no longer relevant): the agent is told it was withdrawn, and by whom. */
  withdraw(agent_id: string, msg_id: string, by?: string): Promise<QuestionStatus> {
    return this.decisions.withdraw(agent_id, msg_id, by)
  }

  /** The status that decides: the shared record's with several instances, else the workspace's. */
  current(msg_id: string): Promise<QuestionStatus | undefined> {
    return this.decisions.current(msg_id)
  }

  /** The status in this instance's workspace (with several instances, a copy: see current()). */
  status(msg_id: string): QuestionStatus | undefined {
    return this.copy.status(msg_id)
  }

  async waitForAnswer(msg_id: string, signal?: AbortSignal): Promise<AnswerResult> {
    if (this.closing) throw new ServiceClosing()
    return answerOf(await this.waiters.wait(msg_id, signal))
  }

  /** Resolves when msg_id leaves pending or after timeoutMs; at once, with the status as it is, while stopping. */
  waitForChange(msg_id: string, timeoutMs: number, signal?: AbortSignal): Promise<QuestionStatus> {
    return this.decisions.waitForChange(msg_id, this.closing ? 0 : timeoutMs, signal)
  }

  get stopping(): boolean { return this.closing } // once release() was called

  /** One pass over the pending records (announce, settle what is due); the interval calls it, tests call it to be deterministic. */
  pollOnce(): void {
    if (this.closed) return
    const now = this.now()
    this.copy.reindex()
    for (const [msgId, record] of this.copy.index.entries()) {
      try {
        const found = pollFinds(this.copy, msgId, record, now)
        if (found?.announce) this.publishBlocked(msgId, found.record)
        // An answer written straight into the inbox, or a deadline: decided like any other (in Redis, with several instances).
        if (found?.due) this.decisions.settle(msgId, found.record.agent_id, found.due)
      } catch (error) {
        this.skipped.report(questionKey(msgId), error)
      }
    }
    this.decisions.retry()
    this.waiters.checkAll()
  }

  /** Withdraw the pending questions `which` selects (a demo no longer running, an MCP call that ended); agents are told. Returns how many. */
  cancel(which: (q: PendingQuestion) => boolean): number {
    const chosen = this.pending().filter(which)
    for (const q of chosen) this.decisions.settle(q.msg_id, q.agent_id, { kind: 'cancelled' })
    return chosen.length
  }

  /** After a restart: agents left blocked on questions that ended are told how (resettle.ts). Returns how many. */
  resettle(awaiting: ReadonlyArray<{ agent_id: string; msg_id: string }>): number {
    return resettle(this.copy, this.bus, this.skipped, awaiting)
  }

  /** Stopping: answer the long-polls with what is known now and refuse new waits; the file stays open. */
  release(): void {
    this.closing = true
    this.waiters.releaseAll(new ServiceClosing())
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    if (this.timer !== undefined) this.timers.clearInterval(this.timer)
    this.unlisten?.()
    this.ungate()
    this.waiters.cancelAll(new Error('question service closed'))
    this.copy.ws.close()
  }

  /** Bus listener: what agents report settles their questions. Inside bus.publish: a throw would break its ingest, so report instead. */
  private follow(e: Event): void {
    try {
      for (const [msgId, s] of reportedEndings(e, this.copy.index.view(), this.now())) this.decisions.settleReported(msgId, this.copy.index.get(msgId)!.agent_id, s)
    } catch (error) {
      this.skipped.report(`event ${e.id}`, error)
    }
  }

  private publishBlocked(msgId: string, r: QuestionRecord, made?: (eventId: string) => void): void {
    // Asked here, or written by another process and seen now: announced once, so counted once.
    countAsked()
    try {
      const event = blockedEvent(msgId, r)
      made?.(event.id)
      this.bus.publish(event)
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
