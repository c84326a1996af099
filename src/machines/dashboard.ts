// Wiring: runs the dashboard actor off an EventBus (the machine itself knows no bus).
import { createActor, type InspectionEvent, type Observer } from 'xstate'
import type { EventBus } from '../events/bus'
import type { Event } from '../protocol/event'
import { dashboardMachine } from './dashboard.machine'
import { toMachineEvent } from './machine-events'

export type InspectionObserver = Observer<InspectionEvent> | ((event: InspectionEvent) => void)

export interface DashboardHandle {
  actor: ReturnType<typeof createActor<typeof dashboardMachine>>
  stop(): void
}

/** Start the root actor, replay the bus's history, then follow it live. */
export function startDashboard(bus: EventBus, options: { inspect?: InspectionObserver } = {}): DashboardHandle {
  // `inspect` on the root sees every spawned agent actor too: the inspector hangs off this.
  const actor = createActor(dashboardMachine, { inspect: options.inspect })
  actor.start()
  const send = (e: Event) => {
    const event = toMachineEvent(e)
    if (event) actor.send(event)
  }
  // listen() is synchronous and publish() calls listeners in order, so no event slips between
  // the replay and the subscription; a duplicate would be dropped by the machine's isNewEvent.
  for (const e of bus.history()) send(e)
  const unlisten = bus.listen(send)
  return {
    actor,
    stop() {
      unlisten()
      actor.stop()
    },
  }
}
