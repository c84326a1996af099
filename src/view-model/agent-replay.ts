// One agent rebuilt from its stored events through a fresh actor of the real machine: for agents no longer in memory.
import { createActor } from 'xstate'
import type { EventStore, StoredEvent } from '../events/event-store'
import { agentKey, Inspector, type ActorRecord } from '../inspector/inspector'
import { agentMachine, type AgentInput } from '../machines/agent.machine'
import { toAgentEvent } from '../machines/machine-events'
import { actorIdOf, type AgentSnapshot } from '../machines/roster'
import type { Event } from '../protocol/event'

/** Stored events read for one replay at most: about a second of the loop at worst, and a page nobody reads past. */
export const MAX_REPLAY_EVENTS = 50_000
const PAGE_SIZE = 2_000
// The categories the roster routes to an agent's actor; graph and user events naming it are not its own.
const AGENT_CATEGORIES = ['agent', 'tool', 'model'] as const

export interface ReplayOptions {
  /** stop once the sequence has this many entries (entry 1 is XState's init, entry k+1 the k-th event): `?at=N` */
  upTo?: number
  /** events read at most (tests lower it); default MAX_REPLAY_EVENTS */
  maxEvents?: number
  /** entries of the sequence kept, newest last (as the live inspector keeps) */
  logLimit?: number
}

export interface AgentReplay {
  agentId: string
  snapshot: AgentSnapshot
  /** the sequence the inspector shows, as its live record would hold it (times are the events' own) */
  record: ActorRecord
  /** the agent's own stored events read and given to the actor */
  events: number
  /** true when reading stopped at `maxEvents` with more of its events stored: what is shown is its state after those */
  truncated: boolean
  /** the stored seq of the last event given to it */
  lastSeq: number | undefined
}

/**
 * The graph:started that announced the agent before `before` (its first own event: a later one does not make the
 * actor), if any. By its graph when its first event names one, else by a search of the stored events before it.
 */
function announcement(store: EventStore, agentId: string, first: StoredEvent | undefined): StoredEvent | undefined {
  // The body is the event's JSON, so an announcement holds `"agent_id":<id>`; the search is case-blind, so check exactly.
  const needle = `"agent_id":${JSON.stringify(agentId.toWellFormed())}`
  const found = store.query({ kind: 'graph:started', text: needle, graph_id: first?.event.graph_id, before: first?.seq, limit: 50 })
  return found.find((s) => announces(s.event, agentId))
}

function announces(e: Event, agentId: string): boolean {
  const agents = e.payload.agents
  return Array.isArray(agents) && agents.some((a) => (a as { agent_id?: unknown } | null)?.agent_id === agentId)
}

/**
 * The actor's input, as the roster made it: from the announcement when it came before the agent's first own
 * event (name, depends_on, its graph), else from that first event (a later announcement only joins the graph).
 */
function inputOf(agentId: string, first: StoredEvent | undefined, announced: StoredEvent | undefined): AgentInput {
  if (announced && (!first || announced.seq < first.seq)) {
    const e = announced.event
    const entry = (e.payload.agents as Array<{ agent_id: string; name?: string; depends_on?: string[] }>).find((a) => a.agent_id === agentId)!
    return { agent_id: agentId, name: entry.name, graph_id: e.graph_id, depends_on: entry.depends_on, created_at: e.timestamp }
  }
  return { agent_id: agentId, graph_id: first?.event.graph_id, created_at: first?.event.timestamp }
}

/** The agent's own events, oldest first, page by page, at most `max` of them. */
function* ownEvents(store: EventStore, agentId: string, max: number): Generator<StoredEvent> {
  let after = 0
  for (let read = 0; read < max; ) {
    const page = store.query({ agent_id: agentId, categories: AGENT_CATEGORIES, after, limit: Math.min(PAGE_SIZE, max - read) })
    for (const stored of page) yield stored
    if (page.length === 0) return
    read += page.length
    after = page.at(-1)!.seq
  }
}

/** The agent rebuilt from the store, or undefined when nothing stored names it (its own events or an announcement). */
export function replayAgent(store: EventStore, agentId: string, options: ReplayOptions = {}): AgentReplay | undefined {
  const max = options.maxEvents ?? MAX_REPLAY_EVENTS
  const events = ownEvents(store, agentId, max)
  const head = events.next()
  const first = head.done ? undefined : head.value
  const announced = announcement(store, agentId, first)
  if (!first && !announced) return undefined
  let at = first?.event.timestamp ?? announced!.event.timestamp
  const inspector = new Inspector({ limit: options.logLimit, now: () => at })
  const actor = createActor(agentMachine, { id: actorIdOf(agentId), input: inputOf(agentId, first, announced), inspect: inspector.observe }).start()
  const record = inspector.get(agentKey(agentId))!
  const upTo = options.upTo ?? Infinity
  let count = 0
  let lastSeq: number | undefined
  const give = (stored: StoredEvent) => {
    count++
    lastSeq = stored.seq
    const machineEvent = toAgentEvent(stored.event)
    // An ended actor takes nothing more (XState drops it), as the roster's live one does.
    if (!machineEvent) return
    at = stored.event.timestamp
    actor.send(machineEvent)
  }
  if (first && record.received < upTo) give(first)
  for (const stored of events) {
    if (record.received >= upTo) break
    give(stored)
  }
  const truncated = count >= max && record.received < upTo && moreAfter(store, agentId, lastSeq)
  const snapshot = actor.getSnapshot()
  actor.stop()
  return { agentId, snapshot, record, events: count, truncated, lastSeq }
}

function moreAfter(store: EventStore, agentId: string, seq: number | undefined): boolean {
  return store.query({ agent_id: agentId, categories: AGENT_CATEGORIES, after: seq ?? 0, limit: 1 }).length > 0
}

/** Whether anything stored names the agent (one of its own events, or an announcement): cheap, for a stream's 404. */
export function isStoredAgent(store: EventStore, agentId: string): boolean {
  return store.query({ agent_id: agentId, categories: AGENT_CATEGORIES, limit: 1 }).length > 0 || announcement(store, agentId, undefined) !== undefined
}
