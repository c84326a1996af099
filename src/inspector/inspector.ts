// The built-in inspector: an XState inspection observer keeping, per actor, a bounded log of events received.
import type { AnyActorLogic, InspectionEvent, StateValue } from 'xstate'
import { AGENT_STATES, isEndedState, type AgentStateName } from '../machines/agent-states'
import { AGENT_ID_PREFIX } from '../machines/roster'
import { fact, receivedFacts, type EntryFacts } from './entry-facts'

export const ROOT_KEY = 'root'
export const DEFAULT_LOG_LIMIT = 500
/** actors remembered (about ten demo runs); past it the oldest finished ones are forgotten, as the dashboard retires ended graphs */
export const DEFAULT_ACTOR_LIMIT = 200

export interface LogEntry {
  /** 1-based count of events this actor received; stable when older entries fall off */
  seq: number
  type: string
  /** the wire event it carries, as the log names it, and its agent: `agent:blocked · worker-3` */
  wire?: string
  /** id of the actor that sent it (undefined: sent from outside the system) */
  source: string | undefined
  at: number
  before: StateValue | undefined
  after: StateValue
  /** the context right after this event (XState contexts are replaced, not mutated, so a reference is a snapshot) */
  context: unknown
  /** what the wire event carried, in words (undefined for XState's own events) */
  facts?: EntryFacts
}

export interface ActorRecord {
  /** `root` for the dashboard actor, `agent:<agent_id>` for agents (the actor's own id) */
  key: string
  agentId: string | undefined
  logic: AnyActorLogic
  /** newest LAST, at most `limit` entries */
  log: LogEntry[]
  received: number
  value: StateValue | undefined
  context: unknown
  status: string
  enteredAt: number
  updatedAt: number
  /** its earlier events are not in `log`: remembered anew after being forgotten, or restored from a checkpoint */
  late?: boolean
}

const AGENT_STATE_NAMES: ReadonlySet<unknown> = new Set(AGENT_STATES)
/** An agent in an ended state: active (its next turn may come), yet the first to forget. */
const hasEnded = (r: ActorRecord) => r.agentId !== undefined && AGENT_STATE_NAMES.has(r.value) && isEndedState(r.value as AgentStateName)

interface Pending {
  event: unknown
  type: string
  source: string | undefined
  at: number
}

export interface InspectorOptions {
  limit?: number
  actorLimit?: number
  now?: () => number
}

const INIT = 'xstate.init'
/** The state a machine starts in (undefined for logic that is not a machine). */
const initialOf = (logic: AnyActorLogic): StateValue | undefined => {
  const initial = (logic as { config?: { initial?: unknown } }).config?.initial
  return typeof initial === 'string' ? initial : undefined
}
type InspectedRef = Extract<InspectionEvent, { type: '@xstate.actor' }>['actorRef']
// Inspection types refs as ActorRefLike; real refs carry their id.
const idOf = (ref: { sessionId: string }) => (ref as { id?: string }).id ?? ref.sessionId
/** `agent:blocked · worker-3` for a machine event that carries a wire event; undefined for XState's own. */
function wireLabel(event: unknown): string | undefined {
  const wire = (event as { event?: { category?: unknown; action?: unknown; agent_id?: unknown } } | undefined)?.event
  if (typeof wire?.category !== 'string' || typeof wire.action !== 'string') return undefined
  return typeof wire.agent_id === 'string' ? `${wire.category}:${wire.action} · ${wire.agent_id}` : `${wire.category}:${wire.action}`
}
/** An agent's machine records an event it could not take in `rejected`: say so, and why, beside what it carried. */
function withRejection(facts: EntryFacts | undefined, before: unknown, after: unknown): EntryFacts | undefined {
  const rejectedOf = (c: unknown) => (c as { rejected?: Array<{ reason?: string }> } | undefined)?.rejected
  const now = rejectedOf(after)
  if (!facts || !Array.isArray(now) || now === rejectedOf(before) || !now.length) return facts
  const why = fact('not applied', now.at(-1)?.reason ?? 'it does not fit the state the agent is in')
  return why ? { ...facts, facts: [...facts.facts, why] } : facts
}
// Agents' values are strings: compared as such, and only nested values by their JSON.
const sameValue = (a: StateValue | undefined, b: StateValue | undefined) =>
  a === b || (typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b))

export class Inspector {
  private readonly actors = new Map<string, ActorRecord>()
  /** events reported but not yet followed by their snapshot; an actor may take a second event before the first settles */
  private readonly pending = new Map<string, Pending[]>()
  private readonly listeners = new Set<(key: string) => void>()
  private readonly limit: number
  private readonly actorLimit: number
  private readonly now: () => number
  /** session ids → record keys, so a stopped-and-respawned agent keeps one record */
  private readonly keys = new Map<string, string>()
  /** record keys → their session ids, to forget them with the record */
  private readonly sessions = new Map<string, string[]>()

  /**
   * Which forgotten agents come back when they act again. The stream says "those with a page open": with 10,000
   * agents working, taking every one back cost each event an entry and another agent's eviction (13 µs against 5).
   */
  private wanted: (key: string) => boolean = () => true

  constructor(options: InspectorOptions = {}) {
    this.limit = options.limit ?? DEFAULT_LOG_LIMIT
    this.actorLimit = options.actorLimit ?? DEFAULT_ACTOR_LIMIT
    this.now = options.now ?? Date.now
  }

  /** The observer to pass as XState's `inspect` option. */
  readonly observe = (e: InspectionEvent): void => {
    if (e.type === '@xstate.actor') this.track(e)
    else if (e.type === '@xstate.event') this.received(e)
    else if (e.type === '@xstate.snapshot') this.settled(e)
  }

  get(key: string): ActorRecord | undefined {
    return this.actors.get(key)
  }

  /** Every actor seen: the root first, then agents in order of appearance. */
  list(): ActorRecord[] {
    return [...this.actors.values()].sort((a, b) => Number(b.key === ROOT_KEY) - Number(a.key === ROOT_KEY))
  }

  /** Set who is taken back when it acts again after being forgotten (default: every agent). */
  rejoinWhen(wanted: (key: string) => boolean): void {
    this.wanted = wanted
  }

  /** Called with an actor's key whenever its record changes. */
  subscribe(listener: (key: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private track(e: Extract<InspectionEvent, { type: '@xstate.actor' }>) {
    const ref = e.actorRef
    // Every actor is a root of its own (agents are not children of the dashboard): tell them by id.
    const id = idOf(ref)
    this.add(ref, id.startsWith(AGENT_ID_PREFIX) ? id : ref.sessionId === e.rootId ? ROOT_KEY : id, false)
  }

  private add(ref: InspectedRef, key: string, late: boolean): void {
    if (!this.keys.has(ref.sessionId)) {
      this.keys.set(ref.sessionId, key)
      const known = this.sessions.get(key)
      if (known) known.push(ref.sessionId)
      else this.sessions.set(key, [ref.sessionId])
    }
    if (this.actors.has(key)) return
    const agentId = key.startsWith(AGENT_ID_PREFIX) ? key.slice(AGENT_ID_PREFIX.length) : undefined
    const at = this.now()
    const logic = (ref as unknown as { logic: AnyActorLogic }).logic
    const record: ActorRecord = { key, agentId, logic, log: [], received: 0, value: undefined, context: undefined, status: 'active', enteredAt: at, updatedAt: at }
    if (late) {
      // Inspection reports an event before the actor takes it: this is the state it is in now.
      const now = (ref as unknown as { getSnapshot(): { value?: StateValue; context?: unknown } }).getSnapshot()
      Object.assign(record, { value: now.value, context: now.context, late: true })
    }
    this.actors.set(key, record)
    if (this.actors.size > this.actorLimit) this.forgetOldest()
  }

  /**
   * An agent this inspector forgot (past its actor limit) while its actor lives on, acting again: remembered
   * anew from now if wanted (someone has its page open), so the page goes live; its earlier events are in the store.
   */
  private rejoin(ref: InspectedRef): string | undefined {
    const id = idOf(ref)
    if (!id.startsWith(AGENT_ID_PREFIX) || this.actors.has(id) || !this.wanted(id)) return undefined
    this.add(ref, id, true)
    return id
  }

  /** Drop the oldest actor that is no longer active (else the oldest agent); the root is always kept. */
  private forgetOldest() {
    // Walked in order of appearance, stopping at the first that has ended: a swarm announcing thousands of
    // agents pays for this once per agent, so no copies of the record list and no scan of every session.
    let victim: ActorRecord | undefined
    let oldest: ActorRecord | undefined
    for (const r of this.actors.values()) {
      if (r.key === ROOT_KEY) continue
      oldest ??= r
      if (r.status !== 'active' || hasEnded(r)) {
        victim = r
        break
      }
    }
    victim ??= oldest
    if (victim) this.drop(victim.key)
  }

  /** Forget an actor that left memory (an agent past SWITCHBOARD_MAX_AGENTS); the root is always kept. */
  forget(key: string): void {
    if (key === ROOT_KEY || !this.actors.has(key)) return
    this.drop(key)
    for (const listener of this.listeners) listener(key)
  }

  private drop(key: string) {
    this.actors.delete(key)
    this.pending.delete(key)
    for (const session of this.sessions.get(key) ?? []) this.keys.delete(session)
    this.sessions.delete(key)
  }

  private received(e: Extract<InspectionEvent, { type: '@xstate.event' }>) {
    const key = this.keys.get(e.actorRef.sessionId) ?? this.rejoin(e.actorRef)
    if (!key) return
    const source = e.sourceRef ? (this.keys.get(e.sourceRef.sessionId) ?? idOf(e.sourceRef)) : undefined
    const queue = this.pending.get(key) ?? []
    queue.push({ event: e.event, type: e.event.type, source, at: this.now() })
    this.pending.set(key, queue)
  }

  private settled(e: Extract<InspectionEvent, { type: '@xstate.snapshot' }>) {
    const key = this.keys.get(e.actorRef.sessionId)
    const record = key ? this.actors.get(key) : undefined
    if (!key || !record) return
    const queue = this.pending.get(key) ?? []
    // Snapshots follow their events in order; match by identity so a stray one cannot shift the log.
    const index = queue.findIndex((p) => p.event === e.event)
    const [pending] = index === -1 ? [undefined] : queue.splice(index, 1)
    const snapshot = e.snapshot as { value?: StateValue; context?: unknown; status?: string }
    const after = snapshot.value ?? record.value ?? 'unknown'
    const at = pending?.at ?? this.now()
    if (pending) {
      const entry: LogEntry = { seq: record.received + 1, type: pending.type, source: pending.source, at, before: record.value, after, context: snapshot.context }
      const wire = wireLabel(pending.event)
      if (wire !== undefined) entry.wire = wire
      // Agents' entries only: the root takes every event, and its page names them by wire name and agent.
      const facts = record.agentId === undefined ? undefined : withRejection(receivedFacts(pending.event), record.context, snapshot.context)
      if (facts) entry.facts = facts
      // An agent restored from a checkpoint starts past its machine's first state: its earlier events are stored only.
      if (entry.seq === 1 && entry.type === INIT && record.agentId !== undefined && !sameValue(after, initialOf(record.logic))) record.late = true
      this.append(record, entry)
    }
    if (!sameValue(record.value, after)) record.enteredAt = at
    record.value = after
    record.context = snapshot.context
    record.status = snapshot.status ?? record.status
    record.updatedAt = at
    for (const listener of this.listeners) listener(key)
  }

  /**
   * Give a record whose earlier events were not seen (`late`) the sequence rebuilt from the store, numbered from
   * the agent's first event; later entries number on from it. A new record object, so a viewer's stream sends it whole.
   */
  adopt(key: string, rebuilt: ActorRecord): boolean {
    const record = this.actors.get(key)
    if (!record?.late) return false
    const { late: _late, ...rest } = record
    this.actors.set(key, { ...rest, log: rebuilt.log.slice(-this.limit), received: rebuilt.received })
    for (const listener of this.listeners) listener(key)
    return true
  }

  private append(record: ActorRecord, entry: LogEntry) {
    record.received = entry.seq
    record.log.push(entry)
    if (record.log.length > this.limit) record.log.splice(0, record.log.length - this.limit)
  }
}

/** The record key of an agent's actor. */
export const agentKey = (agentId: string) => `${AGENT_ID_PREFIX}${agentId}`
