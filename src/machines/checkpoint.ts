// The dashboard actor's checkpoint: XState's persisted snapshot (every agent actor included) as JSON.
import type { Snapshot } from 'xstate'
import type { GraphRecord } from './dashboard.machine'

interface Persisted {
  status?: unknown
  context?: { graphs?: unknown; agents?: unknown; events?: unknown }
  children?: unknown
}

/** JSON of a persisted snapshot; the graphs Map travels as its entries (JSON has no Map). */
export function encodeCheckpoint(persisted: unknown): string {
  const p = persisted as Persisted & { context: { graphs: Map<string, GraphRecord> } }
  return JSON.stringify({ ...p, context: { ...p.context, graphs: [...p.context.graphs] } })
}

/** The persisted snapshot back, or undefined when the text is not one (the caller then replays everything). */
export function decodeCheckpoint(text: string): Snapshot<unknown> | undefined {
  try {
    const p = JSON.parse(text) as Persisted
    const c = p.context
    if (p.status !== 'active' || !c || !Array.isArray(c.graphs) || !Array.isArray(c.events) || typeof c.agents !== 'object' || typeof p.children !== 'object')
      return undefined
    return { ...p, context: { ...c, graphs: new Map(c.graphs as Array<[string, GraphRecord]>) } } as unknown as Snapshot<unknown>
  } catch {
    return undefined
  }
}
