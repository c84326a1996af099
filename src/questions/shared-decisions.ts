// Several instances (REDIS_URL): every decision on a question is one atomic step on the shared record, and what
// it says is then copied into this instance's workspace, which stays a read cache for the page.
import type { EventBus } from '../events/bus'
import { makeEvent } from '../protocol/event'
import { refusal, statusOf, type QuestionAuthority, type Truth, type Verdict } from './authority'
import { NotFound } from './errors'
import { checkAnswer, resumedEvent, settledOf, type QuestionRecord, type QuestionStatus, type ResponseRecord, type Settled } from './question-record'

/** What the decisions need of this instance's copy (the question service). */
export interface LocalCopy {
  /** the local record, run id included */
  record(msgId: string): QuestionRecord | undefined
  status(msgId: string): QuestionStatus | undefined
  /** Keep a pending shared record this copy lacks (its agent:blocked trimmed from the stream before it was read). */
  keep(msgId: string, record: QuestionRecord): void
  /** msg_ids pending in this copy */
  pendingIds(): string[]
  /** Make the local copy say what the truth says; true when it was pending here until now. */
  adopt(msgId: string, truth: Truth): boolean
  /** Resolves when the local copy of msg_id leaves pending (or is absent and stays so), or after ms. */
  waitLocal(msgId: string, ms: number, signal?: AbortSignal): Promise<unknown>
}

interface Proposal {
  agentId: string
  outcome: Settled
  /** a person's (or a deadline's) outcome: checked against the deadline and announced; else one the agent reported */
  announce: boolean
}

/** How a settled truth ended, who withdrew it included. */
const outcomeOf = ({ record, response }: Truth): Settled =>
  record.status === 'cancelled' && record.answered_by !== undefined ? { kind: 'cancelled', by: record.answered_by } : settledOf(record, response)

export class SharedDecisions {
  private readonly inFlight = new Set<string>()
  /** proposals Redis did not take (away), tried again on each poll */
  private readonly retries = new Map<string, Proposal>()

  constructor(
    private readonly authority: QuestionAuthority,
    private readonly local: LocalCopy,
    private readonly bus: EventBus,
    private readonly now: () => number,
    private readonly report: (what: string, error: unknown) => void,
  ) {}

  /** The status as the shared record says it (the local copy only for a question the shared store never held). */
  async current(msgId: string): Promise<QuestionStatus | undefined> {
    const truth = await this.authority.read(msgId)
    if (!truth) return this.local.status(msgId)
    this.catchUp(msgId, truth)
    return statusOf(truth.record, truth.response)
  }

  /** A person's answer: 404 / 400 / 409 / 410 as with one instance, decided by the shared record. */
  async respond(agent_id: string, msg_id: string, answer: unknown, by?: string): Promise<{ msg_id: string } & ResponseRecord> {
    const truth = await this.pendingTruth(agent_id, msg_id)
    const response: ResponseRecord = { answer: checkAnswer(truth.record, answer), responded_at: this.now() }
    if (by !== undefined) response.answered_by = by
    const verdict = await this.decide(msg_id, { agentId: agent_id, outcome: { kind: 'answered', response }, announce: true })
    if (verdict.kind !== 'won' || verdict.truth.record.status !== 'answered') throw this.refused(msg_id, verdict)
    this.bus.publish(makeEvent('user', 'responded', { agent_id, payload: { agent_id, msg_id } }))
    return { msg_id, ...response }
  }

  /** A person withdraws a pending question. */
  async withdraw(agent_id: string, msg_id: string, by?: string): Promise<QuestionStatus> {
    await this.pendingTruth(agent_id, msg_id)
    const verdict = await this.decide(msg_id, { agentId: agent_id, outcome: { kind: 'cancelled', by }, announce: true })
    if (verdict.kind !== 'won' || verdict.truth.record.status !== 'cancelled') throw this.refused(msg_id, verdict)
    return statusOf(verdict.truth.record, undefined)
  }

  /** Resolves when msg_id leaves pending (as the shared record says) or after ms. */
  async waitForChange(msgId: string, ms: number, signal?: AbortSignal): Promise<QuestionStatus> {
    const first = await this.current(msgId)
    if (!first) throw new NotFound(`no question ${msgId}`)
    if (first.status !== 'pending' || ms <= 0) return first
    // The local copy changes once the decision reaches this instance; the status returned is read from Redis.
    await this.local.waitLocal(msgId, ms, signal)
    return (await this.current(msgId)) ?? first
  }

  /**
   * Without waiting: settle msg_id as `outcome` if it is still pending in the shared record (a deadline passed,
   * an agent reported how it ended, an answer written raw into the local file); in any case copy what the shared
   * record says. Tried again on the next poll while Redis is away.
   */
  propose(msgId: string, agentId: string, outcome: Settled, announce: boolean): void {
    if (this.inFlight.has(msgId)) return
    this.retries.delete(msgId)
    const proposal = { agentId, outcome, announce }
    void this.decide(msgId, proposal).catch((error) => {
      this.retries.set(msgId, proposal)
      this.report(`question ${msgId} (to be tried again)`, error)
    })
  }

  /** Once a poll: the proposals Redis could not take before. */
  retry(): void {
    for (const [msgId, p] of [...this.retries]) this.propose(msgId, p.agentId, p.outcome, p.announce)
  }

  /**
   * At start, after reading the stream: questions pending here that the shared record says ended (their instance
   * stopped before telling), and pending questions this copy never heard of (the stream was trimmed past them).
   */
  async sync(): Promise<void> {
    const here = this.local.pendingIds()
    await Promise.all(here.map((id) => this.current(id).catch((error) => this.report(`question ${id}`, error))))
    try {
      for (const [msgId, record] of await this.authority.pending()) if (!this.local.record(msgId)) this.local.keep(msgId, record)
    } catch (error) {
      this.report('the pending questions in the shared store', error)
    }
  }

  private async pendingTruth(agentId: string, msgId: string): Promise<Truth> {
    const local = this.local.record(msgId)
    const truth = (await this.authority.read(msgId)) ?? (local && { record: local, response: undefined })
    if (!truth || truth.record.agent_id !== agentId) throw new NotFound(`no question ${msgId} for agent ${agentId}`)
    if (truth.record.status === 'pending') return truth
    this.catchUp(msgId, truth)
    throw refusal(msgId, truth)
  }

  private async decide(msgId: string, p: Proposal): Promise<Verdict> {
    this.inFlight.add(msgId)
    try {
      const local = this.local.record(msgId)
      const fallback = local?.status === 'pending' ? local : undefined
      const verdict = await this.authority.settle(msgId, p.agentId, p.outcome, this.now(), { fallback, deadline: p.announce })
      if (verdict.kind === 'won') {
        this.local.adopt(msgId, verdict.truth)
        if (p.announce) this.bus.publish(resumedEvent(msgId, verdict.truth.record, outcomeOf(verdict.truth)))
      } else if (verdict.kind === 'settled') {
        if (p.announce) this.catchUp(msgId, verdict.truth)
        else this.local.adopt(msgId, verdict.truth)
      }
      return verdict
    } finally {
      this.inFlight.delete(msgId)
    }
  }

  /**
   * The shared record ended and the local copy did not know: copy it, and tell the agent once more. The
   * agent:resumed has the id derived from the msg_id, so if the instance that settled it did tell, this is
   * the same event, dropped as a repeat; if it stopped before telling, this is the telling.
   */
  private catchUp(msgId: string, truth: Truth): void {
    if (truth.record.status === 'pending' || !this.local.adopt(msgId, truth)) return
    this.bus.publish(resumedEvent(msgId, truth.record, outcomeOf(truth)))
  }

  private refused(msgId: string, verdict: Verdict): Error {
    return verdict.kind === 'missing' || verdict.kind === 'pending' ? new NotFound(`no question ${msgId}`) : refusal(msgId, verdict.truth)
  }
}
