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

export interface Admission {
  gate: Gate
  /** a record made for this event elsewhere (the service's own ask): it goes if the event is not stored */
  made(eventId: string, msgId: string): void
  /** the event is stored: its record stays */
  stored(e: Event): void
  /** the events were not stored after all (a full disk): the records made for them go, or a card nobody can answer stays */
  dropped(events: readonly Event[]): void
}

export function admission(copy: QuestionCopy, now: () => number): Admission {
  /** event id → the msg_id of the record made for it, until its commit is known */
  const unconfirmed = new Map<string, string>()
  return {
    gate(events) {
      const blocked = events.filter((e) => wireName(e) === 'agent:blocked' && !announcesStored(copy, e))
      if (!blocked.length) return
      const at = now()
      // All checked before anything is written; counted once committed.
      const made = blocked.map((e) => ({ event: e, ...recordFromInput(askInputOf(e), at) }))
      const added = new Set(copy.storeAll(made))
      countAsked(added.size)
      for (const { event, msgId } of made) if (added.has(msgId)) unconfirmed.set(event.id, msgId)
    },
    made(eventId, msgId) {
      unconfirmed.set(eventId, msgId)
    },
    stored(e) {
      if (unconfirmed.size) unconfirmed.delete(e.id)
    },
    dropped(events) {
      const made = events.flatMap((e) => {
        const msgId = unconfirmed.get(e.id)
        unconfirmed.delete(e.id)
        return msgId === undefined ? [] : [msgId]
      })
      if (made.length) copy.discard(made)
    },
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
