// A checkpoint: XState's persisted snapshots of the dashboard actor and of every agent actor, as JSON.
import type { Snapshot } from 'xstate'
import type { GraphRecord } from './dashboard.machine'

export const CHECKPOINT_VERSION = 2

export interface Checkpoint {
  dashboard: Snapshot<unknown>
  agents: Array<[string, Snapshot<unknown>]>
}

interface PersistedRoot {
  status?: unknown
  context?: { graphs?: unknown; events?: unknown }
}

/** JSON of the persisted snapshots; the graphs Map travels as its entries (JSON has no Map). */
export function encodeCheckpoint({ dashboard, agents }: Checkpoint): string {
  const p = dashboard as unknown as PersistedRoot & { context: { graphs: Map<string, GraphRecord> } }
  return JSON.stringify({ v: CHECKPOINT_VERSION, dashboard: { ...p, context: { ...p.context, graphs: [...p.context.graphs] } }, agents })
}

const isAgentEntry = (e: unknown): e is [string, Snapshot<unknown>] =>
  Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'object' && e[1] !== null && (e[1] as { status?: unknown }).status !== undefined

/**
 * The snapshots back, or undefined when the text is not a checkpoint of this version (one written by an
 * older Switchboard, a torn write): the caller then replays every stored event instead, so nothing is lost.
 */
export function decodeCheckpoint(text: string): Checkpoint | undefined {
  try {
    const c = JSON.parse(text) as { v?: unknown; dashboard?: PersistedRoot; agents?: unknown }
    const root = c.dashboard
    const ctx = root?.context
    if (c.v !== CHECKPOINT_VERSION || root?.status !== 'active' || !ctx || !Array.isArray(ctx.graphs) || !Array.isArray(ctx.events)) return undefined
    if (!Array.isArray(c.agents) || !c.agents.every(isAgentEntry)) return undefined
    const dashboard = { ...root, context: { ...ctx, graphs: new Map(ctx.graphs as Array<[string, GraphRecord]>) } } as unknown as Snapshot<unknown>
    return { dashboard, agents: c.agents }
  } catch {
    return undefined
  }
}
