// Wiring: runs the dashboard actor off an EventBus (the machine itself knows no bus), restored from the store.
import { createActor, type InspectionEvent, type Observer } from 'xstate'
import type { EventBus } from '../events/bus'
import type { Event } from '../protocol/event'
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint'
import { dashboardMachine } from './dashboard.machine'
import { toMachineEvent } from './machine-events'

export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void)

export interface DashboardHandle {
  actor: ReturnType<typeof createActor<typeof dashboardMachine>>
  /** the actor's persisted snapshot as JSON, for a checkpoint */
  checkpoint(): string
  /** retire agents of no graph ended or silent for longer than `afterMs` (a dashboard open for weeks stays bounded) */
  sweep(afterMs: number, at?: number): void
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
}

/**
 * Start the root actor: from a checkpoint plus the events after it (straight to the actor, not through
 * the bus, so nothing that listens to the bus acts twice), or from the bus's history; then follow it live.
 */
export function startDashboard(bus: EventBus, options: DashboardOptions = {}): DashboardHandle {
  const { restore } = options
  let snapshot = restore?.checkpoint === undefined ? undefined : decodeCheckpoint(restore.checkpoint)
  let replay: Iterable<Event> = restore?.events ?? bus.history()
  if (restore?.checkpoint !== undefined && !snapshot) replay = restore.onBadCheckpoint?.() ?? restore.events
  // `inspect` on the root sees every spawned agent actor too: the inspector hangs off this.
  let actor = createActor(dashboardMachine, { inspect: options.inspect, snapshot: snapshot as never })
  try {
    actor.start()
  } catch (error) {
    console.warn(`[dashboard] the checkpoint could not be restored (${String(error)}); replaying every stored event`)
    snapshot = undefined
    replay = restore?.onBadCheckpoint?.() ?? replay
    actor = createActor(dashboardMachine, { inspect: options.inspect })
    actor.start()
  }
  const send = (e: Event) => {
    const event = toMachineEvent(e)
    if (event) actor.send(event)
  }
  // listen() is synchronous and publish() calls listeners in order, so no event slips between
  // the replay and the subscription; a duplicate would be dropped by the machine's isNewEvent.
  for (const e of replay) send(e)
  const unlisten = bus.listen(send)
  return {
    actor,
    checkpoint: () => encodeCheckpoint(actor.getPersistedSnapshot()),
    sweep: (afterMs, at = Date.now()) => actor.send({ type: 'SWEEP', at, afterMs }),
    awaiting: () =>
      Object.values(actor.getSnapshot().context.agents).flatMap((ref) => {
        const { value, context } = ref.getSnapshot()
        return value === 'blocked' && context.awaiting ? [{ agent_id: context.agent_id, msg_id: context.awaiting }] : []
      }),
    stop() {
      unlisten()
      actor.stop()
    },
  }
}
