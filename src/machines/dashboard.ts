// Wiring: the dashboard actor and the agent actors, fed from an EventBus (the machines know no bus), restored from the store.
import { createActor } from 'xstate'
import type { EventBus } from '../events/bus'
import type { Event } from '../protocol/event'
import { logger } from '../telemetry/log'
import { OnceLog } from '../telemetry/once'
import { CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint'
import { dashboardMachine } from './dashboard.machine'
import { IgnoredEvents } from './ignored-events'
import { toMachineEvent } from './machine-events'
import { AgentRoster, type InspectionObserver } from './roster'

export type { InspectionObserver }

export interface DashboardHandle {
  actor: ReturnType<typeof createActor<typeof dashboardMachine>>
  /** the agent actors, by agent_id in order of first appearance */
  agents: AgentRoster
  /** one wire event, to the dashboard actor and to the agent it is about; false for a repeat */
  apply(e: Event): boolean
  /** every actor's persisted snapshot as JSON, for a checkpoint */
  checkpoint(): string
  /** retire agents of no graph ended or silent for longer than `afterMs` (a dashboard open for weeks stays bounded) */
  sweep(afterMs: number, at?: number): void
  /** events stored that their agent could not take, for the writers waiting on them (POST /api/events' 202) */
  ignored: IgnoredEvents
  /** the agents blocked on a question, and which */
  awaiting(): Array<{ agent_id: string; msg_id: string }>
  stop(): void
}

export interface RestoreFrom {
  /** a checkpoint's text (encodeCheckpoint), if there is one */
  checkpoint?: string
  /** every stored event after the checkpoint (or all of them), oldest first */
  events: Iterable<Event>
  /** told when the checkpoint cannot be used, so that the caller can replay from the start instead */
  onBadCheckpoint?: () => Iterable<Event>
}

export interface DashboardOptions {
  inspect?: InspectionObserver
  restore?: RestoreFrom
  /** agent actors kept in memory at most (SWITCHBOARD_MAX_AGENTS); default: every one */
  maxAgents?: number
  /** told of each agent that left memory for the cap, from the first replayed event on (the inspector forgets it) */
  onEvicted?: (agentId: string) => void
  /** the turn an agent's stored events reached (the steps index): an agent back after it left memory goes on from it */
  turnOf?: (e: Event) => number | undefined
}

/** The actors, from a checkpoint if given and usable (else empty), not yet fed anything. */
export function createDashboard(options: Pick<DashboardOptions, 'inspect' | 'maxAgents' | 'onEvicted'> & { from?: Checkpoint } = {}): DashboardHandle {
  const { inspect, from, onEvicted } = options
  const actor = createActor(dashboardMachine, { id: 'dashboard', inspect, snapshot: from?.dashboard as never })
  const agents = new AgentRoster(inspect, options.maxAgents)
  agents.onEvicted(sayEvicted(agents.maxAgents))
  // A graph none of whose agents is left in memory leaves with the last of them (its run page reads the store).
  agents.onEvicted((_agentId, _ended, graphId) => {
    if (graphId !== undefined && agents.ofGraph(graphId).size === 0) actor.send({ type: 'GRAPH_FORGOTTEN', graph_id: graphId })
  })
  if (onEvicted) agents.onEvicted(onEvicted)
  // The roster knows each graph's agents (announced or joined later): it retires them by graph.
  actor.on('graphs.retired', ({ graphs }) => agents.retireGraphs(graphs.map((g) => g.graph_id)))
  actor.start()
  if (from) agents.restore(from.agents)
  const ignored = new IgnoredEvents()
  agents.onRejected((e, reason) => ignored.record(e.id, reason))
  return {
    actor,
    agents,
    ignored,
    apply(e) {
      const event = toMachineEvent(e)
      if (!event) return false
      const logged = actor.getSnapshot().context.events
      actor.send(event)
      // The root's guard refused an event already in its log (a replay): its agent must not get it twice.
      if (actor.getSnapshot().context.events === logged) return false
      agents.route(e)
      return true
    },
    checkpoint: () => encodeCheckpoint({ dashboard: actor.getPersistedSnapshot(), agents: agents.persisted() }),
    sweep: (afterMs, at = Date.now()) => agents.sweep(at, afterMs),
    awaiting: () =>
      [...agents.values()].flatMap((ref) => {
        const { value, context } = ref.getSnapshot()
        return value === 'blocked' && context.awaiting ? [{ agent_id: context.agent_id, msg_id: context.awaiting }] : []
      }),
    stop() {
      agents.stop()
      actor.stop()
    },
  }
}

const log = logger('dashboard')

/** One line when the cap is first reached, and one per incident of every agent in memory still working. */
function sayEvicted(max: number) {
  const once = new OnceLog('agents', log)
  return (agentId: string, ended: boolean) => {
    if (once.begins('cap')) log.info(`${max} agents in memory (SWITCHBOARD_MAX_AGENTS): the ones ended longest ago leave memory, their events stay stored`, { max })
    if (ended) {
      once.ends('working')
      return
    }
    if (once.begins('working'))
      log.warn(`all ${max} agents in memory are still working (SWITCHBOARD_MAX_AGENTS): the one silent longest leaves memory for each new one, starting with ${agentId.slice(0, 200)}; their events stay stored`, { max, agent_id: agentId.slice(0, 200) })
  }
}

/** The checkpoint to start from and the events to replay after it; one that cannot be used is said in the log, once per start. */
function restoreFrom(restore: RestoreFrom | undefined, bus: EventBus): { from?: Checkpoint; replay: Iterable<Event> } {
  if (restore?.checkpoint === undefined) return { replay: restore?.events ?? bus.history() }
  const decoded = decodeCheckpoint(restore.checkpoint)
  if ('problem' in decoded) {
    // Silent, this replayed the whole history on every start, and nobody could tell why start-up was slow.
    log.warn(`the checkpoint cannot be used (${decoded.problem}); replaying every stored event`, { problem: decoded.problem })
    return { replay: restore.onBadCheckpoint?.() ?? restore.events }
  }
  if (decoded.version !== CHECKPOINT_VERSION) log.info(`the checkpoint of version ${decoded.version} was brought up to version ${CHECKPOINT_VERSION}`, { version: decoded.version })
  return { from: decoded.checkpoint, replay: restore.events }
}

/**
 * Start the actors: from a checkpoint plus the events after it (straight to the actors, not through the
 * bus, so nothing that listens to the bus acts twice), or from the bus's history; then follow it live.
 */
export function startDashboard(bus: EventBus, options: DashboardOptions = {}): DashboardHandle {
  const { restore, turnOf, ...made } = options
  let { from, replay } = restoreFrom(restore, bus)
  let dashboard: DashboardHandle
  try {
    dashboard = createDashboard({ ...made, from })
  } catch (error) {
    log.warn(`the checkpoint could not be restored (${String(error)}); replaying every stored event`, { problem: String(error) })
    replay = restore?.onBadCheckpoint?.() ?? replay
    dashboard = createDashboard(made)
  }
  // listen() is synchronous and publish() calls listeners in order, so no event slips between
  // the replay and the subscription; a duplicate would be dropped by apply().
  for (const e of replay) dashboard.apply(e)
  // Only live: the index holds the turn reached by every stored event, not the one an event being replayed had.
  dashboard.agents.turnOf = turnOf
  const unlisten = bus.listen((e) => void dashboard.apply(e))
  return {
    ...dashboard,
    stop() {
      unlisten()
      dashboard.stop()
    },
  }
}
