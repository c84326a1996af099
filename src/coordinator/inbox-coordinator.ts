// Turns workspace outbox questions into exactly one agent:blocked each, and answers/timeouts into agent:resumed.
//
// Layout (shared with Remora): `outbox:question:{msg_id}` holds the QuestionRecord,
// `inbox:response:{msg_id}` the ResponseRecord. `announced:{msg_id}` (value: epoch ms) marks a
// question already published as agent:blocked; it is a separate key, not a record field, so a
// record written raw by another process (which knows nothing of it) still gets announced once,
// and the marker survives restarts with the file.
import type { EventBus } from '../events/bus'
import { makeEvent, MAX_ID_LENGTH, type Event } from '../events/event'
import type { Workspace } from '../workspace/workspace'
import { AlreadyAnswered, Conflict, Expired, Invalid, NotFound } from './errors'

export type QuestionState = 'pending' | 'answered' | 'timeout'
export interface QuestionRecord {
  agent_id: string
  question: string
  options: string[]
  status: QuestionState
  created_at: number
  timeout_s?: number
  graph_id?: string
}
export interface ResponseRecord {
  answer: string
  responded_at: number
}
export interface AskInput {
  agent_id: string
  question: string
  options?: string[]
  timeout_s?: number
  msg_id?: string
  graph_id?: string
}
export type QuestionStatus = Omit<QuestionRecord, 'graph_id'> & { answer?: string; responded_at?: number }
export type AnswerResult = ResponseRecord | { timed_out: true }
export interface CoordinatorOptions {
  workspace: Workspace
  bus: EventBus
  pollMs?: number
  now?: () => number
}

export const questionKey = (msgId: string) => `outbox:question:${msgId}`
export const responseKey = (msgId: string) => `inbox:response:${msgId}`
export const announcedKey = (msgId: string) => `announced:${msgId}`
const QUESTION_PREFIX = 'outbox:question:'
const MAX_TEXT = 4096
const MAX_OPTIONS = 20
const MAX_TIMEOUT_S = 86_400
const CONTROL = /[\u0000-\u001f\u007f]/

function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new Invalid(`${field} must be a non-empty string`)
  if (value.length > MAX_ID_LENGTH) throw new Invalid(`${field} must be at most ${MAX_ID_LENGTH} characters`)
  if (CONTROL.test(value)) throw new Invalid(`${field} must not contain control characters`)
  return value
}

function checkText(field: string, value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : ''
  if (text.length === 0) throw new Invalid(`${field} must be a non-empty string`)
  if (text.length > MAX_TEXT) throw new Invalid(`${field} must be at most ${MAX_TEXT} characters`)
  return text
}

function checkOptions(value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > MAX_OPTIONS) throw new Invalid(`options must be an array of at most ${MAX_OPTIONS} strings`)
  return value.map((o, i) => checkText(`options[${i}]`, o))
}

function checkTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_S)
    throw new Invalid(`timeout_s must be a positive number of at most ${MAX_TIMEOUT_S}`)
  return value
}

/** A new pending record from caller input, or Invalid naming the first bad field. */
function recordFromInput(input: AskInput, createdAt: number): { msgId: string; record: QuestionRecord } {
  const record: QuestionRecord = {
    agent_id: checkId('agent_id', input.agent_id),
    question: checkText('question', input.question),
    options: checkOptions(input.options),
    status: 'pending',
    created_at: createdAt,
  }
  const timeout = checkTimeout(input.timeout_s)
  if (timeout !== undefined) record.timeout_s = timeout
  if (input.graph_id !== undefined) record.graph_id = checkId('graph_id', input.graph_id)
  const msgId = input.msg_id === undefined ? crypto.randomUUID() : checkId('msg_id', input.msg_id)
  return { msgId, record }
}

const sameQuestion = (a: QuestionRecord, b: QuestionRecord) =>
  a.agent_id === b.agent_id &&
  a.question === b.question &&
  JSON.stringify(a.options) === JSON.stringify(b.options) &&
  a.timeout_s === b.timeout_s

/** Records written by other processes are trusted only this far; options default to none. */
function asRecord(value: unknown): QuestionRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const r = value as Partial<QuestionRecord>
  if (typeof r.agent_id !== 'string' || typeof r.question !== 'string') return undefined
  if (r.status !== 'pending' && r.status !== 'answered' && r.status !== 'timeout') return undefined
  const options = Array.isArray(r.options) ? r.options.filter((o): o is string => typeof o === 'string') : []
  return { ...r, options, created_at: typeof r.created_at === 'number' ? r.created_at : 0 } as QuestionRecord
}

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
