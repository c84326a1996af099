// First-settle-wins across instances: before a question is answered, withdrawn or timed out here, its one
// claim in the shared store (REDIS_URL) is taken atomically; whoever holds it settles, everyone else follows.
import { answerSummary } from '../protocol/form'
import { AlreadyAnswered, Expired, NotFound } from './errors'
import { checkAnswer, pastDeadline, type QuestionRecord, type QuestionStatus } from './question-record'

export type Outcome = 'answered' | 'timeout' | 'cancelled'

export interface Claims {
  /** Take msg_id's one claim for `outcome`: undefined when taken now, else the outcome that holds it. */
  claim(msgId: string, outcome: Outcome): Promise<Outcome | undefined>
}

/** The refusal for a claim another instance holds: as if its settle had already reached us. */
export function lostTo(msgId: string, holder: Outcome, status: QuestionStatus | undefined): Error {
  if (holder === 'timeout') return new Expired(`question ${msgId} has timed out`)
  if (holder === 'cancelled') return new Expired(`question ${msgId} was cancelled`)
  const said = status?.answer === undefined ? undefined : answerSummary(status.answer)
  return new AlreadyAnswered(`question ${msgId} is already answered${said ? `: ${said}` : ''}`, said)
}

/**
 * Check what can be checked locally first (unknown question 404, a bad answer 400, settled 409/410 by the
 * local service afterwards), so that a claim is only ever taken by a settle that will happen.
 */
export async function claimFor(
  claims: Claims,
  status: QuestionStatus | undefined,
  ids: { agent_id: string; msg_id: string },
  outcome: Outcome,
  answer: unknown,
  now: number,
): Promise<void> {
  if (!status || status.agent_id !== ids.agent_id) throw new NotFound(`no question ${ids.msg_id} for agent ${ids.agent_id}`)
  if (status.status !== 'pending') return
  const record = status as QuestionRecord
  if (outcome === 'answered') checkAnswer(record, answer)
  if (outcome !== 'timeout' && pastDeadline(record, now)) outcome = 'timeout'
  const holder = await claims.claim(ids.msg_id, outcome)
  if (holder !== undefined) throw lostTo(ids.msg_id, holder, status)
}

/** Question timeouts, owned by whichever instance takes the claim; the others follow its agent:resumed. */
export class TimeoutOwner {
  private readonly inFlight = new Set<string>()

  constructor(
    readonly claims: Claims,
    private readonly expire: (msgId: string) => void,
    private readonly report: (what: string, error: unknown) => void,
  ) {}

  /** A pending question is past its deadline: try for its claim (once at a time); true means not settled here now. */
  due(msgId: string): true {
    if (this.inFlight.has(msgId)) return true
    this.inFlight.add(msgId)
    void this.claims
      .claim(msgId, 'timeout')
      // A timeout claim already held (by an instance that stopped before settling) is the same outcome: settle it.
      .then((holder) => (holder === undefined || holder === 'timeout') && this.expire(msgId))
      // Redis away: the next poll tries again.
      .catch((error) => this.report(`timeout claim ${msgId}`, error))
      .finally(() => this.inFlight.delete(msgId))
    return true
  }
}
