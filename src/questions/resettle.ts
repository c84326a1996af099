// After a restart: an agent the event store left blocked on a question its record says ended (answered, timed out,
// withdrawn) is told again. A crash between the record's transaction and the event's commit would otherwise leave
// it blocked, with no card to answer.
import type { EventBus } from '../events/bus'
import { outcomeOf } from './ended'
import type { OnceLog } from '../telemetry/once'
import type { QuestionCopy } from './question-copy'
import { resumedEvent } from './question-events'
import { questionKey } from './question-record'

/** How many agents were told (the agent:resumed has the id its first telling had: told twice, it is one event). */
export function resettle(copy: QuestionCopy, bus: EventBus, skipped: OnceLog, awaiting: ReadonlyArray<{ agent_id: string; msg_id: string }>): number {
  let told = 0
  for (const { agent_id, msg_id } of awaiting) {
    const record = copy.record(msg_id)
    if (!record || record.agent_id !== agent_id || record.status === 'pending') continue
    // A record another process rewrote may fit no event (a line break in its graph_id): one line, not a start that throws.
    try {
      if (bus.publish(resumedEvent(msg_id, record, outcomeOf(record, copy.response(msg_id))))) told++
    } catch (error) {
      skipped.report(questionKey(msg_id), error)
    }
  }
  return told
}
