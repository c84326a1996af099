// The Event type shared by server, SDK and tests, and the one validator every entry point uses.

export const CATEGORIES = ['agent', 'tool', 'model', 'user', 'graph'] as const
export type Category = (typeof CATEGORIES)[number]

export const ACTIONS = {
  agent: ['started', 'blocked', 'resumed', 'completed', 'failed', 'cancelled', 'skipped'],
  tool: ['called', 'started', 'completed', 'failed'],
  model: ['request', 'response'],
  graph: ['started', 'progress', 'completed', 'failed'],
  user: ['responded'],
} as const satisfies Record<Category, readonly string[]>

export type Action<C extends Category = Category> = (typeof ACTIONS)[C][number]

export interface Event {
  id: string
  /** epoch ms */
  timestamp: number
  category: Category
  action: string
  agent_id?: string
  graph_id?: string
  node_id?: string
  session_id?: string
  payload: Record<string, unknown>
}

/** What a producer hands in before validation: timestamp may be ISO-8601, id/payload optional for builders. */
export type EventInput = Omit<Event, 'timestamp'> & { timestamp: number | string }

export type Validation = { ok: true; event: Event } | { ok: false; field: string; reason: string }

export const MAX_ID_LENGTH = 200
const ID_FIELDS = ['agent_id', 'graph_id', 'node_id', 'session_id'] as const
// C0 controls and DEL: they break logs, headers and HTML ids.
const CONTROL = /[\u0000-\u001f\u007f]/
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/

const fail = (field: string, reason: string): Validation => ({ ok: false, field, reason })

function idProblem(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string'
  if (value.length > MAX_ID_LENGTH) return `must be at most ${MAX_ID_LENGTH} characters`
  if (CONTROL.test(value)) return 'must not contain control characters'
  return undefined
}

function parseTimestamp(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (typeof value === 'string' && ISO_8601.test(value)) {
    const ms = Date.parse(value)
    return Number.isNaN(ms) ? undefined : ms
  }
  return undefined
}

export function validateEvent(input: unknown): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('event', 'must be an object')
  const raw = input as Record<string, unknown>
  const idIssue = idProblem(raw.id)
  if (idIssue) return fail('id', idIssue)
  const timestamp = parseTimestamp(raw.timestamp)
  if (timestamp === undefined) return fail('timestamp', 'must be epoch milliseconds or an ISO-8601 string')
  if (!CATEGORIES.includes(raw.category as Category)) return fail('category', `must be one of ${CATEGORIES.join(', ')}`)
  const category = raw.category as Category
  const actions: readonly string[] = ACTIONS[category]
  if (typeof raw.action !== 'string' || !actions.includes(raw.action))
    return fail('action', `must be one of ${actions.join(', ')} for category ${category}`)
  const payload = raw.payload ?? {}
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return fail('payload', 'must be an object')
  for (const key of ID_FIELDS) {
    if (raw[key] === undefined) continue
    const issue = idProblem(raw[key])
    if (issue) return fail(key, issue)
  }
  if (category === 'agent' && raw.agent_id === undefined) return fail('agent_id', 'is required for agent events')
  const event: Event = { id: raw.id as string, timestamp, category, action: raw.action, payload: payload as Record<string, unknown> }
  for (const key of ID_FIELDS) if (raw[key] !== undefined) event[key] = raw[key] as string
  return { ok: true, event }
}

export class InvalidEvent extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field} ${reason}`)
    this.name = 'InvalidEvent'
  }
}

/** Validate or throw InvalidEvent naming the failing field. */
export function parseEvent(input: unknown): Event {
  const result = validateEvent(input)
  if (!result.ok) throw new InvalidEvent(result.field, result.reason)
  return result.event
}

/** Wire name of an event, e.g. `agent:blocked`. */
export const wireName = (e: Pick<Event, 'category' | 'action'>) => `${e.category}:${e.action}`

let counter = 0
/** A unique id for events produced in this process (crypto-random prefix, monotonic suffix). */
export function newEventId(prefix = 'ev'): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}-${Date.now().toString(36)}-${counter.toString(36)}`
}

/** Build a valid event with a fresh id and the current time. */
export function makeEvent(
  category: Category,
  action: string,
  fields: Partial<Pick<Event, 'agent_id' | 'graph_id' | 'node_id' | 'session_id' | 'payload' | 'id' | 'timestamp'>> = {},
): Event {
  return parseEvent({ id: newEventId(), timestamp: Date.now(), payload: {}, ...fields, category, action })
}
