// The one seam between "one instance" and "several": every decision on a question goes through a Decisions, local
// (this workspace decides: local-decisions.ts) or shared (Redis decides, the workspace copies: shared-decisions.ts).
// The question service picks one in its constructor; nothing else asks which it is.
import type { EventBus } from '../events/bus'
import type { OnceLog } from '../telemetry/once'
import type { QuestionCopy } from './question-copy'
import type { QuestionStatus, ResponseRecord, Settled } from './question-record'
import type { Waiters } from './waiters'

export interface Decisions {
  /** A person's answer, checked against the question's kind: NotFound, Invalid, AlreadyAnswered or Expired otherwise. */
  respond(agentId: string, msgId: string, answer: unknown, by: string | undefined): Promise<{ msg_id: string } & ResponseRecord>
  /** A person withdraws a pending question; the agent is told. The same refusals as respond. */
  withdraw(agentId: string, msgId: string, by: string | undefined): Promise<QuestionStatus>
  /** The status that decides (undefined: no such question). */
  current(msgId: string): Promise<QuestionStatus | undefined>
  /** Resolves when msgId leaves pending, or after ms with the status as it is; NotFound for an unknown question. */
  waitForChange(msgId: string, ms: number, signal?: AbortSignal): Promise<QuestionStatus>
  /**
   * Without waiting: end a pending question as `outcome` and tell its agent: its deadline passed, an answer was
   * found written into the file, or it was withdrawn for it (the demo gone, the MCP call ended).
   */
  settle(msgId: string, agentId: string, outcome: Settled): void
  /** Without waiting: end a pending question as its agent reported (its own agent:resumed, or it finished); not told again. */
  settleReported(msgId: string, agentId: string, outcome: Settled): void
  /** Once a poll: what could not be decided before (the shared store away) is tried again. */
  retry(): void
  /** At start: this instance's copy brought in line with where questions are decided. */
  sync(): Promise<void>
}

/** What both kinds of decisions work with: this instance's records, its waiters and bus, the clock, the log. */
export interface QuestionParts {
  copy: QuestionCopy
  waiters: Waiters
  bus: EventBus
  now: () => number
  skipped: OnceLog
}
