// Several instances (REDIS_URL): every decision on a question is one atomic step on the shared record, and what
// it says is then copied into this instance's workspace, which stays a read cache for the page.
import type { QuestionAuthority, Truth, Verdict } from './authority'
import type { Decisions, QuestionParts } from './decisions'
import { outcomeOf, refusal, statusOf } from './ended'
import { NotFound } from './errors'
import { respondedEvent, resumedEvent } from './question-events'
import { responseOf, type QuestionStatus, type ResponseRecord, type Settled } from './question-record'

interface Proposal {
  agentId: string
  outcome: Settled
  /** a person's (or a deadline's) outcome: checked against the deadline and announced; else one the agent reported */
  announce: boolean
}

export class SharedDecisions implements Decisions {
  private readonly inFlight = new Set<string>()
  /** proposals Redis did not take (away), tried again on each poll */
  private readonly retries = new Map<string, Proposal>()

  constructor(
    private readonly authority: QuestionAuthority,
    private readonly q: QuestionParts,
  ) {}

  /** The status as the shared record says it (the local copy only for a question the shared store never held). */
  async current(msgId: string): Promise<QuestionStatus | undefined> {
    const truth = await this.authority.read(msgId)
    if (!truth) return this.q.copy.status(msgId)
    this.catchUp(msgId, truth)
    return statusOf(truth.record, truth.response)
  }

  async respond(agentId: string, msgId: string, answer: unknown, by: string | undefined): Promise<{ msg_id: string } & ResponseRecord> {
    const truth = await this.pendingTruth(agentId, msgId)
    const response = responseOf(truth.record, answer, this.q.now(), by)
    const verdict = await this.decide(msgId, { agentId, outcome: { kind: 'answered', response }, announce: true })
    if (verdict.kind !== 'won' || verdict.truth.record.status !== 'answered') throw this.refused(msgId, verdict)
    this.q.bus.publish(respondedEvent(agentId, msgId))
    return { msg_id: msgId, ...response }
  }

  async withdraw(agentId: string, msgId: string, by: string | undefined): Promise<QuestionStatus> {
    await this.pendingTruth(agentId, msgId)
    const verdict = await this.decide(msgId, { agentId, outcome: { kind: 'cancelled', by }, announce: true })
    if (verdict.kind !== 'won' || verdict.truth.record.status !== 'cancelled') throw this.refused(msgId, verdict)
    return statusOf(verdict.truth.record, undefined)
  }

  async waitForChange(msgId: string, ms: number, signal?: AbortSignal): Promise<QuestionStatus> {
    const first = await this.current(msgId)
    if (!first) throw new NotFound(`no question ${msgId}`)
    if (first.status !== 'pending' || ms <= 0) return first
    // The local copy changes once the decision reaches this instance; the status returned is read from Redis.
    await this.q.waiters.wait(msgId, signal, ms, true)
    return (await this.current(msgId)) ?? first
  }

  settle(msgId: string, agentId: string, outcome: Settled): void {
    this.propose(msgId, { agentId, outcome, announce: true })
  }

  /** The shared record decides (it may hold another outcome already); the copy follows it. */
  settleReported(msgId: string, agentId: string, outcome: Settled): void {
    this.propose(msgId, { agentId, outcome, announce: false })
  }

  retry(): void {
    for (const [msgId, p] of [...this.retries]) this.propose(msgId, p)
  }

  /**
   * At start, after reading the stream: questions pending here that the shared record says ended (their instance
   * stopped before telling), and pending questions this copy never heard of (the stream was trimmed past them).
   */
  async sync(): Promise<void> {
    const here = this.q.copy.index.entries().map(([id]) => id)
    await Promise.all(here.map((id) => this.current(id).catch((error) => this.q.skipped.report(`question ${id}`, error))))
    try {
      const missing = (await this.authority.pending()).filter(([msgId]) => !this.q.copy.record(msgId))
      this.q.copy.storeAll(missing.map(([msgId, record]) => ({ msgId, record })))
    } catch (error) {
      this.q.skipped.report('the pending questions in the shared store', error)
    }
  }

  /**
   * Without waiting: settle msg_id as proposed if it is still pending in the shared record (a deadline passed, an
   * agent reported how it ended, an answer written raw into the local file); in any case copy what the shared
   * record says. Tried again on the next poll while Redis is away.
   */
  private propose(msgId: string, proposal: Proposal): void {
    if (this.inFlight.has(msgId)) return
    this.retries.delete(msgId)
    void this.decide(msgId, proposal).catch((error) => {
      this.retries.set(msgId, proposal)
      this.q.skipped.report(`question ${msgId} (to be tried again)`, error)
    })
  }

  private async pendingTruth(agentId: string, msgId: string): Promise<Truth> {
    const local = this.q.copy.record(msgId)
    const truth = (await this.authority.read(msgId)) ?? (local && { record: local, response: undefined })
    if (!truth || truth.record.agent_id !== agentId) throw new NotFound(`no question ${msgId} for agent ${agentId}`)
    if (truth.record.status === 'pending') return truth
    this.catchUp(msgId, truth)
    throw refusal(msgId, truth.record, truth.response)
  }

  private async decide(msgId: string, p: Proposal): Promise<Verdict> {
    this.inFlight.add(msgId)
    try {
      const local = this.q.copy.record(msgId)
      const fallback = local?.status === 'pending' ? local : undefined
      const verdict = await this.authority.settle(msgId, p.agentId, p.outcome, this.q.now(), { fallback, deadline: p.announce })
      if (verdict.kind === 'won') {
        this.adopt(msgId, verdict.truth)
        if (p.announce) this.tell(msgId, verdict.truth)
      } else if (verdict.kind === 'settled') {
        if (p.announce) this.catchUp(msgId, verdict.truth)
        else this.adopt(msgId, verdict.truth)
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
    if (truth.record.status !== 'pending' && this.adopt(msgId, truth)) this.tell(msgId, truth)
  }

  /** The local copy says what the truth says; true when it was pending here until now. */
  private adopt(msgId: string, truth: Truth): boolean {
    const changed = this.q.copy.adopt(msgId, truth)
    this.q.waiters.checkAll()
    return changed
  }

  private tell(msgId: string, { record, response }: Truth): void {
    this.q.bus.publish(resumedEvent(msgId, record, outcomeOf(record, response)))
  }

  private refused(msgId: string, verdict: Verdict): Error {
    return verdict.kind === 'missing' || verdict.kind === 'pending' ? new NotFound(`no question ${msgId}`) : refusal(msgId, verdict.truth.record, verdict.truth.response)
  }
}
