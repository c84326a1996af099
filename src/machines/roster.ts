// The agent actors: one XState actor per agent_id, created on first word, routed to in O(1), retired in bulk.
//
// They are actors of their own rather than children spawned by the dashboard actor: XState copies a
// parent's whole `children` record on every spawn (and a context record of refs had to be copied too),
// so the cost of one more agent grew with the swarm: 10,000 agents took 11 s to announce one by one.
// Here a new agent costs a Map insert, whatever the number already running.
//
// Past `maxAgents` (SWITCHBOARD_MAX_AGENTS) the agent that ended longest ago leaves memory for each new one (its
// events stay stored: its run page, its history and its steps read the store). With none ended, the one silent
// longest that is not waiting on a person goes instead: memory stays bounded whatever is sent, ingest never stops.
import { createActor, type InspectionEvent, type Observer, type Snapshot } from 'xstate'
import type { Event } from '../protocol/event'
import { agentMachine, type AgentInput } from './agent.machine'
import { isEndedState } from './agent-states'
import { toAgentEvent } from './machine-events'

export type AgentActor = ReturnType<typeof createActor<typeof agentMachine>>
export type AgentSnapshot = ReturnType<AgentActor['getSnapshot']>
type Evicted = (agentId: string, ended: boolean, graphId: string | undefined) => void
/** An event its agent could not take (the machine rejected it), and why: stored, shown in the log, not applied. */
type Rejected = (e: Event, reason: string) => void
export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void)

export const AGENT_ID_PREFIX = 'agent:'
/** Blocked agents passed over when looking for the one silent longest: the look stays O(1) per new agent. */
const MAX_BLOCKED_SKIPPED = 1_000
/** The actor id of an agent's actor (what the inspector keys it by). */
export const actorIdOf = (agentId: string) => `${AGENT_ID_PREFIX}${agentId}`

/** The agents a graph:started announces. */
function announced(e: Event): AgentInput[] {
  const agents = (e.payload.agents ?? []) as Array<{ agent_id: string; name?: string; depends_on?: string[] }>
  return agents.map((a) => ({ agent_id: a.agent_id, name: a.name, graph_id: e.graph_id, depends_on: a.depends_on, created_at: e.timestamp }))
}

export class AgentRoster {
  /** by agent_id, in order of first appearance (a retired and re-created agent goes to the end) */
  private readonly actors = new Map<string, AgentActor>()
  /** graph_id → its agents, for retiring a graph's agents without a scan */
  private readonly byGraph = new Map<string, Set<string>>()
  /** agent_id → its graph: the one it was created with, or the first graph:started that announced it */
  private readonly graphs = new Map<string, string>()
  private readonly listeners = new Set<(agentId: string) => void>()
  private readonly evictedListeners = new Set<Evicted>()
  private readonly rejectedListeners = new Set<Rejected>()
  /** agents not ended, the one heard from longest ago first: who leaves when none has ended */
  private readonly heard = new Set<string>()
  /** ended agents, the one that ended longest ago first: who leaves memory first past the cap */
  private readonly ended = new Set<string>()

  /**
   * The agent's turn at this event as its stored events count it, asked when its actor is created for a live event
   * (it may have left memory: past the cap, or swept). Unset while the actors are rebuilt from the store, whose events count it.
   */
  turnOf?: (e: Event) => number | undefined

  /** `maxAgents`: actors kept in memory at most (SWITCHBOARD_MAX_AGENTS); Infinity keeps every one */
  constructor(
    private readonly inspect?: InspectionObserver,
    readonly maxAgents = Infinity,
  ) {}

  get size(): number {
    return this.actors.size
  }

  get(agentId: string): AgentActor | undefined {
    return this.actors.get(agentId)
  }

  /** Every agent actor, in order of first appearance. */
  values(): IterableIterator<AgentActor> {
    return this.actors.values()
  }

  /** The agents of a graph. */
  ofGraph(graphId: string): ReadonlySet<string> {
    return this.byGraph.get(graphId) ?? new Set()
  }

  /** The graph an agent belongs to, if any. */
  graphOf(agentId: string): string | undefined {
    return this.graphs.get(agentId)
  }

  /** Told the agent_id of an agent whose snapshot changed, or that was created or retired. */
  onChange(listener: (agentId: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Told of each agent that left memory for the cap, whether it had ended (else it was the silent longest), and its graph. */
  onEvicted(listener: Evicted): () => void {
    this.evictedListeners.add(listener)
    return () => this.evictedListeners.delete(listener)
  }

  /** Told of each event its agent could not take, and why (the 202 of POST /api/events counts them). */
  onRejected(listener: Rejected): () => void {
    this.rejectedListeners.add(listener)
    return () => this.rejectedListeners.delete(listener)
  }

  /** Create the agents an event introduces and give the agent its event: O(1) in the swarm's size. */
  route(e: Event): void {
    if (e.category === 'graph' && e.action === 'started') {
      for (const input of announced(e)) {
        // An agent that reported before its graph was announced joins that graph.
        if (this.actors.has(input.agent_id) && !this.graphs.has(input.agent_id) && e.graph_id !== undefined) {
          this.join(input.agent_id, e.graph_id)
          this.changed(input.agent_id)
        } else this.ensure(input)
      }
      return
    }
    const agentEvent = e.agent_id ? toAgentEvent(e) : undefined
    if (!agentEvent || !e.agent_id) return
    const actor = this.actors.get(e.agent_id) ?? this.ensure({ agent_id: e.agent_id, graph_id: e.graph_id, created_at: e.timestamp, turn: this.turnOf?.(e) })
    // An actor whose action threw has stopped; every other takes the event or records why it could not.
    if (actor.getSnapshot().status !== 'active') return this.rejected(e, `the actor of agent ${e.agent_id.slice(0, 200)} has stopped`)
    const before = actor.getSnapshot().context.rejected
    actor.send(agentEvent)
    const after = actor.getSnapshot().context.rejected
    if (after !== before) this.rejected(e, after.at(-1)?.reason ?? 'it does not apply to the agent now')
    this.heardFrom(e.agent_id, actor)
  }

  /** Stop and forget these agents (their graph ended and a new one started, or they went quiet). */
  retire(agentIds: Iterable<string>): void {
    for (const agentId of agentIds) {
      const actor = this.actors.get(agentId)
      if (!actor) continue
      this.actors.delete(agentId)
      const graphId = this.graphs.get(agentId)
      if (graphId !== undefined) this.byGraph.get(graphId)?.delete(agentId)
      if (graphId !== undefined && this.byGraph.get(graphId)?.size === 0) this.byGraph.delete(graphId)
      this.graphs.delete(agentId)
      this.heard.delete(agentId)
      this.ended.delete(agentId)
      actor.stop()
      this.changed(agentId)
    }
  }

  /** Retire every agent of these graphs. */
  retireGraphs(graphIds: Iterable<string>): void {
    for (const graphId of graphIds) {
      this.retire([...this.ofGraph(graphId)])
      this.byGraph.delete(graphId)
    }
  }

  /**
   * Agents of no graph that ended, or went silent, more than `afterMs` before `at`: a dashboard left open
   * for weeks would otherwise keep one actor per agent it ever saw. Runs now and then, so a scan is fine.
   */
  sweep(at: number, afterMs: number): void {
    const stale: string[] = []
    for (const [agentId, actor] of this.actors) {
      if (this.graphs.has(agentId)) continue
      const { context, value } = actor.getSnapshot()
      const since = isEndedState(value) ? (context.entered_at ?? context.updated_at) : context.updated_at
      if (since !== null && at - since > afterMs) stale.push(agentId)
    }
    this.retire(stale)
  }

  /** Every agent's persisted snapshot (XState's persistence), for a checkpoint. */
  persisted(): Array<[string, Snapshot<unknown>]> {
    return [...this.actors].map(([agentId, actor]) => [agentId, actor.getPersistedSnapshot()])
  }

  /** Bring back agents from a checkpoint; throws when a snapshot cannot be restored. */
  restore(entries: Iterable<[string, Snapshot<unknown>]>): void {
    for (const [agentId, snapshot] of entries) {
      const actor = createActor(agentMachine, { id: actorIdOf(agentId), input: { agent_id: agentId }, snapshot: snapshot as never, inspect: this.inspect })
      this.add(agentId, actor)
    }
  }

  stop(): void {
    for (const actor of this.actors.values()) actor.stop()
    this.actors.clear()
    this.byGraph.clear()
    this.graphs.clear()
    this.heard.clear()
    this.ended.clear()
  }

  private ensure(input: AgentInput): AgentActor {
    const existing = this.actors.get(input.agent_id)
    if (existing) return existing
    const actor = createActor(agentMachine, { id: actorIdOf(input.agent_id), input, inspect: this.inspect })
    this.add(input.agent_id, actor)
    return actor
  }

  private add(agentId: string, actor: AgentActor): void {
    this.actors.set(agentId, actor)
    actor.subscribe({ next: () => this.changed(agentId), error: () => this.changed(agentId) })
    actor.start()
    const graphId = actor.getSnapshot().context.graph_id
    if (graphId !== undefined) this.join(agentId, graphId)
    this.heardFrom(agentId, actor)
    this.changed(agentId)
    while (this.actors.size > this.maxAgents && this.evictOne(agentId));
  }

  /**
   * Keep the orders eviction reads: O(1) per event (a Set re-insert moves it to the end). An ended agent keeps
   * its place among the ended (what it sends that cannot apply does not make it newer); one that works again
   * (its next turn) is no longer ended.
   */
  private heardFrom(agentId: string, actor: AgentActor): void {
    if (isEndedState(actor.getSnapshot().value)) {
      this.heard.delete(agentId)
      this.ended.add(agentId)
      return
    }
    this.ended.delete(agentId)
    this.heard.delete(agentId)
    this.heard.add(agentId)
  }

  /** The agent that ended longest ago leaves memory; with none ended, the one silent longest not waiting on a person. */
  private evictOne(newcomer: string): boolean {
    const [oldestEnded] = this.ended
    const victim = oldestEnded ?? this.silentLongest(newcomer)
    if (victim === undefined) return false
    const graphId = this.graphs.get(victim)
    this.retire([victim])
    for (const listener of this.evictedListeners) listener(victim, oldestEnded !== undefined, graphId)
    return true
  }

  /** A blocked agent's card is what a person is acting on: skipped, within a bounded look (then the oldest goes anyway). */
  private silentLongest(newcomer: string): string | undefined {
    let first: string | undefined
    let looked = 0
    for (const agentId of this.heard) {
      if (agentId === newcomer) continue
      first ??= agentId
      if (this.actors.get(agentId)?.getSnapshot().value !== 'blocked') return agentId
      if (++looked >= MAX_BLOCKED_SKIPPED) break
    }
    return first
  }

  private join(agentId: string, graphId: string): void {
    this.graphs.set(agentId, graphId)
    const members = this.byGraph.get(graphId)
    if (members) members.add(agentId)
    else this.byGraph.set(graphId, new Set([agentId]))
  }

  private rejected(e: Event, reason: string): void {
    for (const listener of this.rejectedListeners) listener(e, reason)
  }

  private changed(agentId: string): void {
    for (const listener of this.listeners) listener(agentId)
  }
}
