// What agents report about their own questions: an agent:resumed settles the question it names; an agent that
// finishes (completed, failed, cancelled, skipped) leaves its pending questions unanswerable (cancelled).
import { wireName, type Event } from '../protocol/event'
import { reportedOutcome, type QuestionRecord, type Settled } from './question-record'

const FINISHED = new Set(['agent:completed', 'agent:failed', 'agent:cancelled', 'agent:skipped'])

/** The pending questions (msg_id → record) event `e` settles, and how. */
export function reportedEndings(e: Event, pending: ReadonlyMap<string, QuestionRecord>, now: number): Array<[msgId: string, Settled]> {
  const name = wireName(e)
  if (name === 'agent:resumed') {
    const msgId = e.payload.msg_id
    return typeof msgId === 'string' && pending.get(msgId)?.agent_id === e.agent_id ? [[msgId, reportedOutcome(e.payload, now)]] : []
  }
  if (!FINISHED.has(name)) return []
  return [...pending].filter(([, record]) => record.agent_id === e.agent_id).map(([msgId]) => [msgId, { kind: 'cancelled' }])
}
