// The one gate every ingest path passes: the bus runs it on each batch before it takes any of it (POST /api/events,
// OTLP, MCP, Remora, the demo, another instance's events from the shared log). An agent:blocked becomes its
// answerable record here, or the batch is refused whole: Invalid naming the field, Conflict for a msg_id that
// holds another question. Never a blocked agent with a card nobody can answer.
import type { Gate } from '../events/bus'
import { wireName, type Event } from '../protocol/event'
import { blockedMsgId } from '../protocol/question'
import { announceId, blockedEvent } from './question-events'
import type { QuestionCopy } from './question-copy'
import { countAsked } from './question-metrics'
import { askInputOf, recordFromInput } from './question-record'

export function admission(copy: QuestionCopy, now: () => number): Gate {
  return (events) => {
    const blocked = events.filter((e) => wireName(e) === 'agent:blocked' && !announcesStored(copy, e))
    if (!blocked.length) return
    const at = now()
    // All checked before anything is written; counted once committed.
    const made = blocked.map((e) => recordFromInput(askInputOf(e), at))
    countAsked(copy.storeAll(made))
  }
}

/**
 * The announcement of a record already stored here (the question service's own agent:blocked, here or back from
 * the shared log): nothing to check or write. A record another process wrote may fit an event and not the
 * question schema (an options question with no options); it is shown, so its agent is shown blocked on it.
 */
function announcesStored(copy: QuestionCopy, e: Event): boolean {
  const msgId = blockedMsgId(e)
  if (e.id !== announceId(msgId)) return false
  const record = copy.record(msgId)
  if (!record || record.agent_id !== e.agent_id || record.graph_id !== e.graph_id) return false
  try {
    return JSON.stringify(blockedEvent(msgId, record).payload) === JSON.stringify(e.payload)
  } catch {
    return false // a record no event can carry: then this event does not announce it
  }
}
