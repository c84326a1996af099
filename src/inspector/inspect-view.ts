// Pure derivations for an inspector page: which states are lit and which move is emphasised, live or after entry N.
import type { StateValue } from 'xstate'
import { ROOT_KEY, type ActorRecord, type LogEntry } from './inspector'

/** Ids of the active leaf states, e.g. `running` in machine `agent` → `agent.running`. */
export function leafIds(machineId: string, value: StateValue | undefined): string[] {
  if (value === undefined) return []
  if (typeof value === 'string') return [`${machineId}.${value}`]
  return Object.entries(value).flatMap(([k, v]) => (v === undefined ? [`${machineId}.${k}`] : leafIds(`${machineId}.${k}`, v)))
}

/** A state value as one readable string: `running`, or `a.b` / JSON for nested ones. */
export function valueText(value: StateValue | undefined): string {
  if (value === undefined) return '—'
  if (typeof value === 'string') return value
  const keys = Object.keys(value)
  const first = keys[0]
  return keys.length === 1 && first !== undefined ? `${first}.${valueText(value[first] as StateValue)}` : JSON.stringify(value)
}

// A root context holds up to 200 bus events: keep the page light but show what matters.
export const CONTEXT_LIMIT = 32_000

const EPOCH_MS = { min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }
const TIME_KEY = /(^|_)(at|timestamp)$|^timestamp$/

/**
 * Readable JSON of a context: Maps as objects (JSON.stringify makes them `{}`), Sets as arrays, actor
 * references as `actor <id>` (not XState's `xstate$$type` serialisation), epoch-ms times as ISO strings.
 */
function readable(key: string, value: unknown): unknown {
  if (value instanceof Map) return Object.fromEntries(value)
  if (value instanceof Set) return [...value]
  // an actor ref's toJSON has run by now: {xstate$$type, id}
  if (value !== null && typeof value === 'object' && 'xstate$$type' in value) return `actor ${String((value as { id?: unknown }).id)}`
  if (typeof value === 'number' && TIME_KEY.test(key) && value >= EPOCH_MS.min && value < EPOCH_MS.max) return new Date(value).toISOString()
  return value
}

export function contextText(context: unknown): string {
  const text = JSON.stringify(context, readable, 2) ?? 'undefined'
  return text.length > CONTEXT_LIMIT ? `${text.slice(0, CONTEXT_LIMIT)}\n… (${text.length - CONTEXT_LIMIT} more characters)` : text
}

/** The last transition, emphasised in the diagram. */
export interface LastMove {
  source: string
  target: string
  type: string
}

/** How a page not in memory was made: rebuilt from the agent's stored events (view-model/agent-replay.ts). */
export interface Rebuilt {
  /** stored events read */
  events: number
  /** reading stopped at the bound with more stored */
  truncated: boolean
}

export interface InspectView {
  record: ActorRecord
  /** set when the record was rebuilt from the store rather than kept in memory */
  rebuilt?: Rebuilt
  /** the text of the question the agent waits on (at this entry), when known */
  question?: string
  /** the time-travel entry, when viewing one */
  at: LogEntry | undefined
  value: StateValue | undefined
  context: unknown
  last: LastMove | undefined
  /** newest first */
  entries: LogEntry[]
}

export function lastMove(machineId: string, entry: LogEntry | undefined): LastMove | undefined {
  if (!entry || entry.before === undefined) return undefined
  const [source] = leafIds(machineId, entry.before)
  const [target] = leafIds(machineId, entry.after)
  return source && target ? { source, target, type: entry.type } : undefined
}

/** The page's content: live (no `at`) or as it was right after entry `at` (undefined if that entry is gone). */
export function inspectView(record: ActorRecord, machineId: string, at?: number): InspectView | undefined {
  const entries = [...record.log].reverse()
  if (at === undefined) {
    return { record, at: undefined, value: record.value, context: record.context, last: lastMove(machineId, record.log.at(-1)), entries }
  }
  const entry = record.log.find((e) => e.seq === at)
  if (!entry) return undefined
  return { record, at: entry, value: entry.after, context: entry.context, last: lastMove(machineId, entry), entries }
}

const MSG_ID = 'msg_id'
/** The text of the question a blocked agent waits on, from the entry that asked it (at or before `upTo`). */
export function askedQuestion(log: readonly LogEntry[], msgId: string, upTo = Infinity): string | undefined {
  for (let i = log.length - 1; i >= 0; i--) {
    const entry = log[i]!
    if (entry.seq > upTo || entry.type !== 'AGENT_BLOCKED') continue
    const facts = entry.facts?.facts ?? []
    if (facts.find((f) => f.label === MSG_ID)?.text !== msgId) continue
    const question = facts.find((f) => f.label === 'question')
    if (question) return question.cut ? `${question.text}…` : question.text
  }
  return undefined
}

export const actorTitle = (record: ActorRecord) => (record.key === ROOT_KEY ? 'dashboard (root)' : (record.agentId ?? record.key))
