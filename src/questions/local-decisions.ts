// One instance: this workspace decides every question, each decision one transaction (other processes on the same
// file take the same write lock, so the first answer wins there too).
import type { Decisions, QuestionParts } from './decisions'
import { refusal } from './ended'
import { NotFound } from './errors'
import { respondedEvent, resumedEvent } from './question-events'
import { logger } from '../telemetry/log'
import { pastDeadline, responseOf, type QuestionRecord, type QuestionStatus, type ResponseRecord, type Settled } from './question-record'

/** What a person's decision did: the agent is told `told` (if it ended now); `refused` if it was not theirs to take. */
interface Taken {
  record: QuestionRecord
  told?: Settled
  refused?: Error
}

export class LocalDecisions implements Decisions {
  constructor(private readonly q: QuestionParts) {}

  async current(msgId: string): Promise<QuestionStatus | undefined> {
    return this.q.copy.status(msgId)
  }

  async respond(agentId: string, msgId: string, answer: unknown, by: string | undefined): Promise<{ msg_id: string } & ResponseRecord> {
    let response: ResponseRecord | undefined
    const taken = this.take(agentId, msgId, (record) => ({ kind: 'answered', response: (response = responseOf(record, answer, this.q.now(), by)) }))
    if (taken.refused || !response) throw taken.refused
    this.q.bus.publish(respondedEvent(agentId, msgId))
    await this.stored(msgId, taken.record)
    return { msg_id: msgId, ...response }
  }

  async withdraw(agentId: string, msgId: string, by: string | undefined): Promise<QuestionStatus> {
    const taken = this.take(agentId, msgId, () => ({ kind: 'cancelled', by }))
    if (taken.refused) throw taken.refused
    await this.stored(msgId, taken.record)
    return this.q.copy.status(msgId)!
  }

  /**
   * A person's decision counts once the agent:resumed telling it is stored. Refused (disk full), it is undone: the
   * question is pending again, so the 503 the person reads means not recorded (it was recorded all the same, and
   * the card had gone). The events were never shown: the bus shows only what it stored.
   */
  private async stored(msgId: string, pending: QuestionRecord): Promise<void> {
    try {
      await this.q.bus.persisted()
    } catch (error) {
      try {
        this.q.copy.reopen(msgId, pending)
      } catch (undo) {
        logger('questions').error(`question ${msgId}: a refused decision could not be undone: ${String(undo)}`)
      }
      throw error
    }
  }

  waitForChange(msgId: string, ms: number, signal?: AbortSignal): Promise<QuestionStatus> {
    return this.q.waiters.wait(msgId, signal, ms)
  }

  settle(msgId: string, _agentId: string, outcome: Settled): void {
    this.settleOne(msgId, outcome, true)
  }

  settleReported(msgId: string, _agentId: string, outcome: Settled): void {
    this.settleOne(msgId, outcome, false)
  }

  retry(): void {}

  async sync(): Promise<void> {}

  /**
   * A person's decision, in one transaction: theirs only while the question is pending, not past its deadline and
   * not answered by a response another process wrote straight into the inbox (those come first, and are told).
   */
  private take(agentId: string, msgId: string, theirs: (record: QuestionRecord) => Settled): Taken {
    const { copy, bus, now } = this.q
    // A store that cannot take the agent:resumed (disk full, file gone) refuses before anything is decided.
    bus.assertWritable()
    const taken = copy.ws.transaction((): Taken => {
      const record = copy.record(msgId)
      if (!record || record.agent_id !== agentId) throw new NotFound(`no question ${msgId} for agent ${agentId}`)
      const raw = copy.response(msgId)
      if (record.status !== 'pending') return { record, refused: refusal(msgId, record, raw) }
      const first: Settled | undefined = raw ? { kind: 'answered', response: raw } : pastDeadline(record, now()) ? { kind: 'timeout' } : undefined
      const told = first ?? theirs(record)
      const ended = copy.settle(msgId, record, told)
      return first ? { record, told, refused: refusal(msgId, ended, raw) } : { record, told }
    })
    if (taken.told) bus.publish(resumedEvent(msgId, taken.record, taken.told))
    return taken
  }

  /** Settle one pending question in its own transaction; `announce` publishes agent:resumed for it. */
  private settleOne(msgId: string, s: Settled, announce: boolean): void {
    const { copy, bus, waiters } = this.q
    const record = copy.ws.transaction(() => {
      const current = copy.record(msgId)
      if (current?.status !== 'pending') return undefined
      copy.settle(msgId, current, s)
      return current
    })
    if (record && announce) bus.publish(resumedEvent(msgId, record, s))
    waiters.checkAll()
  }
}
