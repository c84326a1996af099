// The one mapper from wire events (`agent:blocked`) to machine events (`AGENT_BLOCKED`).
import type { Event } from '../events/event'

export const AGENT_EVENT_TYPES = [
  'AGENT_STARTED',
  'AGENT_BLOCKED',
  'AGENT_RESUMED',
  'AGENT_COMPLETED',
  'AGENT_FAILED',
  'AGENT_CANCELLED',
  'AGENT_SKIPPED',
] as const
export const TOOL_EVENT_TYPES = ['TOOL_CALLED', 'TOOL_STARTED', 'TOOL_COMPLETED', 'TOOL_FAILED'] as const
export const MODEL_EVENT_TYPES = ['MODEL_REQUEST', 'MODEL_RESPONSE'] as const

export type AgentMachineEventType =
  | (typeof AGENT_EVENT_TYPES)[number]
  | (typeof TOOL_EVENT_TYPES)[number]
  | (typeof MODEL_EVENT_TYPES)[number]

/** A machine event always carries the wire event it came from: payload and timestamp live there. */
export type AgentMachineEvent = { [T in AgentMachineEventType]: { type: T; event: Event } }[AgentMachineEventType]

const KNOWN: ReadonlySet<string> = new Set<string>([...AGENT_EVENT_TYPES, ...TOOL_EVENT_TYPES, ...MODEL_EVENT_TYPES])

/** `agent:blocked` → `AGENT_BLOCKED`. */
export const machineEventType = (e: Pick<Event, 'category' | 'action'>) =>
  `${e.category}_${e.action}`.toUpperCase()

/** Map a wire event to the agent machine's event; graph and user events have none (undefined). */
export function toMachineEvent(e: Event): AgentMachineEvent | undefined {
  const type = machineEventType(e)
  if (!KNOWN.has(type)) return undefined
  return { type, event: e } as AgentMachineEvent
}
