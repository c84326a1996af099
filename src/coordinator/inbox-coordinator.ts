// Turns workspace outbox questions into exactly one agent:blocked each, and answers/timeouts into agent:resumed.
//
// Layout (shared with Remora): `outbox:question:{msg_id}` holds the QuestionRecord,
// `inbox:response:{msg_id}` the ResponseRecord. `announced:{msg_id}` (value: epoch ms) marks a
// question already published as agent:blocked; it is a separate key, not a record field, so a
// record written raw by another process (which knows nothing of it) still gets announced once,
// and the marker survives restarts with the file.
import type { EventBus } from '../events/bus'
import { makeEvent, type Event } from '../events/event'
import type { Workspace } from '../workspace/workspace'
import { AlreadyAnswered, Conflict, Expired, NotFound } from './errors'
import {
  announcedKey,
  asRecord,
  checkText,
  questionKey,
  recordFromInput,
  responseKey,
  sameQuestion,
  type AnswerResult,
  type AskInput,
  type QuestionRecord,
  type QuestionStatus,
  type ResponseRecord,
} from './question-record'

export * from './question-record'

export interface CoordinatorOptions {
  workspace: Workspace
  bus: EventBus
  pollMs?: number
  now?: () => number
}

const QUESTION_PREFIX = 'outbox:question:'

type Settled = { kind: 'answered'; response: ResponseRecord } | { kind: 'timeout' }
interface Watcher {
  check(): void
  cancel(reason: unknown): void
}

export class WorkspaceInboxCoordinator {
  private readonly ws: Workspace
  private readonly bus: EventBus
  private readonly pollMs: number
  private readonly now: () => number
  private readonly watchers = new Set<Watcher>()
  private readonly reported = new Set<string>()
  private timer?: ReturnType<typeof setInterval>
  private unlisten?: () => void
  private closed = false

  constructor({ workspace, bus, pollMs = 250, now = Date.now }: CoordinatorOptions) {
    this.ws = workspace
    this.bus = bus
    this.pollMs = pollMs
    this.now = now
  }

  start(): void {
    if (this.closed || this.timer) return
    this.unlisten = this.bus.listen((e) => this.adoptBlocked(e))
    // A new process has a new bus and an empty dashboard: announce what is still pending so its card
    // comes back. The event id is derived from the msg_id, so the bus keeps it to one per process.
    for (const { msg_id, ...record } of this.pending()) this.publishBlocked(msg_id, record)
    this.timer = setInterval(() => this.safePoll(), this.pollMs)
  }

  ask(input: AskInput): { msg_id: string; created: boolean } {
    const { msgId, record } = recordFromInput(input, this.now())
    const created = this.ws.transaction(() => {
      const existing = asRecord(this.ws.get(questionKey(msgId)))
      if (existing) {
        if (sameQuestion(existing, record)) return false
        throw new Conflict(`msg_id ${msgId} already holds a different question`)
      }
      this.ws.set(questionKey(msgId), record)
      this.ws.set(announcedKey(msgId), this.now())
      return true
    })
    if (created) this.publishBlocked(msgId, record)
    return { msg_id: msgId, created }
  }

  respond(agent_id: string, msg_id: string, answer: string): { msg_id: string; answer: string; responded_at: number } {
    const text = checkText('answer', answer)
    const outcome = this.ws.transaction(() => {
      const record = asRecord(this.ws.get(questionKey(msg_id)))
      if (!record || record.agent_id !== agent_id) return { kind: 'missing' as const }
      if (record.status === 'answered') return { kind: 'answered' as const, record }
      if (record.status === 'timeout') return { kind: 'expired' as const, record }
      // An answer another process wrote straight into the inbox came first.
      const raw = this.readResponse(msg_id)
      if (raw) return { kind: 'late' as const, record, settled: this.settle(msg_id, record, raw) }
      if (this.pastDeadline(record)) return { kind: 'expiring' as const, record, settled: this.settle(msg_id, record) }
      const response = { answer: text, responded_at: this.now() }
      this.ws.set(responseKey(msg_id), response)
      this.ws.set(questionKey(msg_id), { ...record, status: 'answered' })
      return { kind: 'ok' as const, record, response }
    })
    if (outcome.kind === 'missing') throw new NotFound(`no question ${msg_id} for agent ${agent_id}`)
    if ('settled' in outcome && outcome.settled) this.publishSettled(msg_id, outcome.record, outcome.settled)
    if (outcome.kind === 'answered' || outcome.kind === 'late') throw new AlreadyAnswered(`question ${msg_id} is already answered`)
    if (outcome.kind !== 'ok') throw new Expired(`question ${msg_id} has timed out`)
    this.publishSettled(msg_id, outcome.record, { kind: 'answered', response: outcome.response })
    this.bus.publish(makeEvent('user', 'responded', { agent_id, payload: { agent_id, msg_id } }))
    return { msg_id, ...outcome.response }
  }

  status(msg_id: string): QuestionStatus | undefined {
    const record = asRecord(this.ws.get(questionKey(msg_id)))
    if (!record) return undefined
    const { graph_id: _graph, ...view } = record
    if (record.status !== 'answered') return view
    const response = this.readResponse(msg_id)
    return response ? { ...view, answer: response.answer, responded_at: response.responded_at } : view
  }

  pending(): Array<{ msg_id: string } & QuestionRecord> {
    const out: Array<{ msg_id: string } & QuestionRecord> = []
    for (const { key, value } of this.ws.list(QUESTION_PREFIX)) {
      const record = asRecord(value)
      if (record?.status === 'pending') out.push({ msg_id: key.slice(QUESTION_PREFIX.length), ...record })
    }
    return out
  }

  async waitForAnswer(msg_id: string, signal?: AbortSignal): Promise<AnswerResult> {
    const s = await this.watch(msg_id, signal)
    if (s.status === 'timeout') return { timed_out: true }
    return { answer: s.answer ?? '', responded_at: s.responded_at ?? 0 }
  }

  waitForChange(msg_id: string, timeoutMs: number, signal?: AbortSignal): Promise<QuestionStatus> {
    return this.watch(msg_id, signal, timeoutMs)
  }

  /** One reconciliation pass; the interval calls it, tests call it to be deterministic. */
  pollOnce(): void {
    if (this.closed) return
    const now = this.now()
    for (const { key, value } of this.ws.list(QUESTION_PREFIX)) {
      const record = asRecord(value)
      if (record?.status !== 'pending') continue
      try {
        this.reconcile(key.slice(QUESTION_PREFIX.length), record, now)
      } catch (error) {
        this.reportOnce(key, error)
      }
    }
    for (const w of [...this.watchers]) w.check()
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.timer)
    this.unlisten?.()
    for (const w of [...this.watchers]) w.cancel(new Error('coordinator closed'))
    this.ws.close()
  }

  private reconcile(msgId: string, seen: QuestionRecord, now: number): void {
    const needsWork = !this.ws.get(announcedKey(msgId)) || this.readResponse(msgId) || this.pastDeadline(seen, now)
    if (!needsWork) return
    // Re-read under the write lock: another coordinator on the same file may have got here first.
    const result = this.ws.transaction(() => {
      const record = asRecord(this.ws.get(questionKey(msgId)))
      if (record?.status !== 'pending') return undefined
      const announce = !this.ws.get(announcedKey(msgId))
      if (announce) this.ws.set(announcedKey(msgId), now)
      const raw = this.readResponse(msgId)
      const settled = raw || this.pastDeadline(record, now) ? this.settle(msgId, record, raw) : undefined
      return { record, announce, settled }
    })
    if (!result) return
    if (result.announce) this.publishBlocked(msgId, result.record)
    if (result.settled) this.publishSettled(msgId, result.record, result.settled)
  }

  /** Inside a transaction: a pending record becomes answered when a response exists, else timeout. */
  private settle(msgId: string, record: QuestionRecord, response?: ResponseRecord): Settled {
    this.ws.set(questionKey(msgId), { ...record, status: response ? 'answered' : 'timeout' })
    return response ? { kind: 'answered', response } : { kind: 'timeout' }
  }

  /** A response written by another process counts only if it carries a string answer. */
  private readResponse(msgId: string): ResponseRecord | undefined {
    const raw = this.ws.get<Partial<ResponseRecord>>(responseKey(msgId))
    if (!raw || typeof raw.answer !== 'string') return undefined
    return { answer: raw.answer, responded_at: typeof raw.responded_at === 'number' ? raw.responded_at : this.now() }
  }

  private pastDeadline(record: QuestionRecord, now = this.now()): boolean {
    return record.timeout_s !== undefined && now >= record.created_at + record.timeout_s * 1000
  }

  /** Bus listener: an agent:blocked from elsewhere (HTTP ingest) becomes a pending record, already announced. */
  private adoptBlocked(e: Event): void {
    if (e.category !== 'agent' || e.action !== 'blocked') return
    const { msg_id, question, options, timeout_s } = e.payload
    if (typeof msg_id !== 'string' || typeof question !== 'string') return
    // The publisher is inside bus.publish: a throw here would break its ingest, so report instead.
    try {
      const input = { agent_id: e.agent_id as string, msg_id, question, options: options as string[] | undefined, timeout_s: timeout_s as number | undefined, graph_id: e.graph_id }
      const { msgId, record } = recordFromInput(input, this.now())
      this.ws.transaction(() => {
        if (this.ws.get(questionKey(msgId)) !== undefined) return
        this.ws.set(questionKey(msgId), record)
        this.ws.set(announcedKey(msgId), this.now())
      })
    } catch (error) {
      console.warn(`[coordinator] ignoring agent:blocked ${e.id}: ${String(error)}`)
    }
  }

  private publishBlocked(msgId: string, r: QuestionRecord): void {
    const payload: Record<string, unknown> = { msg_id: msgId, question: r.question, options: r.options }
    if (r.timeout_s !== undefined) payload.timeout_s = r.timeout_s
    this.bus.publish(makeEvent('agent', 'blocked', { id: `blocked:${msgId}`, agent_id: r.agent_id, graph_id: r.graph_id, payload }))
  }

  private publishSettled(msgId: string, r: QuestionRecord, s: Settled): void {
    const payload = s.kind === 'answered' ? { msg_id: msgId, answer: s.response.answer } : { msg_id: msgId, timed_out: true }
    this.bus.publish(makeEvent('agent', 'resumed', { agent_id: r.agent_id, graph_id: r.graph_id, payload }))
  }

  /** Resolves with the status once msg_id leaves pending (or after timeoutMs); NotFound if unknown. */
  private watch(msgId: string, signal?: AbortSignal, timeoutMs?: number): Promise<QuestionStatus> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const cleanups: Array<() => void> = []
      let done = false
      const finish = (fn: () => void) => {
        if (done) return
        done = true
        for (const cleanup of cleanups) cleanup()
        fn()
      }
      const settleIf = (ready: (s: QuestionStatus) => boolean) => {
        try {
          const s = this.status(msgId)
          if (!s) finish(() => reject(new NotFound(`no question ${msgId}`)))
          else if (ready(s)) finish(() => resolve(s))
        } catch (error) {
          finish(() => reject(error))
        }
      }
      const watcher: Watcher = { check: () => settleIf((s) => s.status !== 'pending'), cancel: (r) => finish(() => reject(r)) }
      this.watchers.add(watcher)
      cleanups.push(() => this.watchers.delete(watcher))
      cleanups.push(this.bus.listen((e) => e.action === 'resumed' && e.payload.msg_id === msgId && watcher.check()))
      if (signal) {
        const onAbort = () => finish(() => reject(signal.reason))
        signal.addEventListener('abort', onAbort, { once: true })
        cleanups.push(() => signal.removeEventListener('abort', onAbort))
      }
      if (timeoutMs !== undefined) {
        const timer = setTimeout(() => settleIf(() => true), timeoutMs)
        cleanups.push(() => clearTimeout(timer))
      }
      watcher.check()
    })
  }

  // A throw inside setInterval is an uncaught exception; a busy or broken file must not end the process.
  private safePoll(): void {
    try {
      this.pollOnce()
    } catch (error) {
      this.reportOnce('poll', error)
    }
  }

  private reportOnce(key: string, error: unknown): void {
    const tag = `${key}:${String(error)}`
    if (this.reported.has(tag)) return
    this.reported.add(tag)
    console.warn(`[coordinator] skipping ${key}: ${String(error)}`)
  }
}
