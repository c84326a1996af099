// A checkpoint: XState's persisted snapshots of the dashboard actor and of every agent actor, as JSON, with its version.
import type { Snapshot } from 'xstate'
import type { AgentContext } from './agent.machine'
import type { GraphRecord } from './dashboard.machine'

/**
 * 4: agents live through turns: every agent's context holds turn and unanswered, and an ended agent's snapshot
 * is active (3 wrote it as XState's `done`, a final state that takes no more events). 3: every agent's context
 * holds tokens_in, tokens_out, usage and recent_tools. Version 2 was written while those were being added, so
 * a 2 may lack any of them; 1 held the agents as the dashboard's children.
 */
export const CHECKPOINT_VERSION = 4
/** the oldest version this Switchboard brings up to CHECKPOINT_VERSION */
const OLDEST_READ = 2

export interface Checkpoint {
  dashboard: Snapshot<unknown>
  agents: Array<[string, Snapshot<unknown>]>
}

/** The snapshots, and the version they were written as (older ones are brought up to this one); or why not. */
export type DecodedCheckpoint = { checkpoint: Checkpoint; version: number } | { problem: string }

interface PersistedRoot {
  status?: unknown
  context?: { graphs?: unknown; events?: unknown }
}

type PersistedAgent = Snapshot<unknown> & { context?: Partial<AgentContext> }

/** JSON of the persisted snapshots; the graphs Map travels as its entries (JSON has no Map). */
export function encodeCheckpoint({ dashboard, agents }: Checkpoint): string {
  const p = dashboard as unknown as PersistedRoot & { context: { graphs: Map<string, GraphRecord> } }
  return JSON.stringify({ v: CHECKPOINT_VERSION, dashboard: { ...p, context: { ...p.context, graphs: [...p.context.graphs] } }, agents })
}

const isAgentEntry = (e: unknown): e is [string, PersistedAgent] =>
  Array.isArray(e) &&
  e.length === 2 &&
  typeof e[0] === 'string' &&
  typeof e[1] === 'object' &&
  e[1] !== null &&
  (e[1] as { status?: unknown }).status !== undefined &&
  typeof (e[1] as { context?: unknown }).context === 'object' &&
  (e[1] as { context?: unknown }).context !== null

/**
 * Version 2 → 3, once, on load: what a 2 lacks is what the Switchboard that wrote it never recorded, so it
 * starts empty, as it would have been shown then. (Migrated rather than discarded: retention may already
 * have pruned the events before the checkpoint, and a discarded one would lose those agents.)
 */
function fromVersion2([id, snapshot]: [string, PersistedAgent]): [string, Snapshot<unknown>] {
  const { tokens_in = 0, tokens_out = 0, usage = [], recent_tools = [], ...context } = snapshot.context ?? {}
  return [id, { ...snapshot, context: { ...context, tokens_in, tokens_out, usage, recent_tools } } as unknown as Snapshot<unknown>]
}

/**
 * Version 3 → 4, once, on load: an agent that ended was a final state, `done` with an output; now it is active
 * and its next activity opens turn 2. What it did before is one turn (none while it never started).
 */
function fromVersion3([id, snapshot]: [string, Snapshot<unknown>]): [string, Snapshot<unknown>] {
  const { output: _output, status, context, value, ...rest } = snapshot as PersistedAgent & { output?: unknown; value?: unknown }
  const { turn = value === 'idle' ? 0 : 1, unanswered = null, ...fields } = (context ?? {}) as Partial<AgentContext>
  return [id, { ...rest, value, status: status === 'done' ? 'active' : status, context: { ...fields, turn, unanswered } } as unknown as Snapshot<unknown>]
}

/** The parsed text, or why it is not JSON. */
function parse(text: string): { value: unknown } | { problem: string } {
  try {
    return { value: JSON.parse(text) }
  } catch (error) {
    return { problem: `not JSON (${error instanceof Error ? error.message : String(error)})` }
  }
}

/**
 * The snapshots back, brought up to this version, or the reason they cannot be used (a version this
 * Switchboard does not read, a torn write): the caller then replays every stored event, so nothing is lost.
 */
export function decodeCheckpoint(text: string): DecodedCheckpoint {
  const parsed = parse(text)
  if ('problem' in parsed) return parsed
  const c = parsed.value as { v?: unknown; dashboard?: PersistedRoot; agents?: unknown } | null
  if (typeof c !== 'object' || c === null) return { problem: 'not a checkpoint' }
  if (typeof c.v !== 'number' || !Number.isInteger(c.v) || c.v < OLDEST_READ || c.v > CHECKPOINT_VERSION)
    return { problem: `version ${String(JSON.stringify(c.v)).slice(0, 40)}; this Switchboard reads ${OLDEST_READ} to ${CHECKPOINT_VERSION}` }
  const root = c.dashboard
  const ctx = root?.context
  if (root?.status !== 'active' || !ctx || !Array.isArray(ctx.graphs) || !Array.isArray(ctx.events)) return { problem: 'no active dashboard snapshot in it' }
  if (!Array.isArray(c.agents) || !c.agents.every(isAgentEntry)) return { problem: 'an agent snapshot in it is not one' }
  const dashboard = { ...root, context: { ...ctx, graphs: new Map(ctx.graphs as Array<[string, GraphRecord]>) } } as unknown as Snapshot<unknown>
  const v3 = c.v === 2 ? c.agents.map(fromVersion2) : (c.agents as Array<[string, Snapshot<unknown>]>)
  const agents = c.v < 4 ? v3.map(fromVersion3) : v3
  return { checkpoint: { dashboard, agents }, version: c.v }
}
