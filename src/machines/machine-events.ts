// The one mapper from wire events (`agent:blocked`) to machine events (`AGENT_BLOCKED`), one type per wire event.
import { ACTIONS, type Category, type Event } from '../protocol/event'

type Upper<S extends string> = Uppercase<S>
type WireType<C extends Category> = `${Upper<C>}_${Upper<(typeof ACTIONS)[C][number]>}`

export type MachineEventType = { [C in Category]: WireType<C> }[Category]
/** Every machine event carries the wire event it came from: payload and timestamp live there. */
export type MachineEvent<T extends MachineEventType = MachineEventType> = { [K in T]: { type: K; event: Event } }[T]

/** What an agent actor is sent: its own lifecycle, tool and model events. */
export type AgentMachineEvent = MachineEvent<WireType<'agent'> | WireType<'tool'> | WireType<'model'>>

const typeOf = (category: string, action: string) => `${category}_${action}`.toUpperCase()

export const MACHINE_EVENT_TYPES = Object.entries(ACTIONS).flatMap(([c, actions]) =>
  actions.map((a) => typeOf(c, a)),
) as MachineEventType[]
const KNOWN: ReadonlySet<string> = new Set(MACHINE_EVENT_TYPES)
const FOR_AGENT = new Set(['agent', 'tool', 'model'])

/** `agent:blocked` → `AGENT_BLOCKED`. */
export const machineEventType = (e: Pick<Event, 'category' | 'action'>) => typeOf(e.category, e.action)

/** Map a validated wire event to its machine event (undefined only for an action no schema admits). */
export function toMachineEvent(e: Event): MachineEvent | undefined {
  const type = machineEventType(e)
  return KNOWN.has(type) ? ({ type, event: e } as MachineEvent) : undefined
}

/** The machine event for an agent actor, or undefined for graph and user events. */
export function toAgentEvent(e: Event): AgentMachineEvent | undefined {
  return FOR_AGENT.has(e.category) ? (toMachineEvent(e) as AgentMachineEvent | undefined) : undefined
}
