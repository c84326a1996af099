// The Event type shared by server, SDK and tests, its TypeBox schemas, and the one validator every entry point uses.
import { Type as T, type TSchema } from '@sinclair/typebox'
import { MAX_ROSTER, MAX_STEP_TEXT, MAX_TEXT, MAX_TIMESTAMP, MIN_TIMESTAMP, MAX_DEPTH } from './limits.ts'
import { BlockedPayload } from './question.ts'
import { firstFailure, Id, Name, tooDeep, type Failure } from './schema.ts'

export const CATEGORIES = ['agent', 'tool', 'model', 'user', 'graph'] as const
export type Category = (typeof CATEGORIES)[number]

export const ACTIONS = {
  agent: ['started', 'blocked', 'resumed', 'completed', 'failed', 'cancelled', 'skipped', 'waiting', 'note'],
  tool: ['called', 'started', 'completed', 'failed'],
  model: ['request', 'response'],
  graph: ['started', 'progress', 'completed', 'failed'],
  user: ['responded'],
} as const satisfies Record<Category, readonly string[]>

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

/** What a producer hands in before validation: timestamp may be ISO-8601. */
export type EventInput = Omit<Event, 'timestamp'> & { timestamp: number | string }

const ISO_8601 = '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:?\\d{2})?)?$'
const TIMESTAMP_ERROR = 'must be epoch milliseconds or an ISO-8601 string, between the years 2000 and 2100'

/** The envelope every event shares; the payload is checked per action below. */
export const EventEnvelope = T.Object(
  {
    id: Id(),
    timestamp: T.Union([T.Number({ minimum: MIN_TIMESTAMP, maximum: MAX_TIMESTAMP }), T.String({ pattern: ISO_8601, maxLength: 40 })], {
      error: TIMESTAMP_ERROR,
    }),
    category: T.Union(CATEGORIES.map((c) => T.Literal(c)), { error: `must be one of ${CATEGORIES.join(', ')}` }),
    action: T.String({ maxLength: 40, error: 'must be a string' }),
    agent_id: T.Optional(Id()),
    graph_id: T.Optional(Id()),
    node_id: T.Optional(Id()),
    session_id: T.Optional(Id()),
    payload: T.Optional(T.Record(T.String(), T.Unknown(), { error: 'must be an object' })),
  },
  { additionalProperties: true, error: 'must be an object' },
)

const Str = (max: number) => T.String({ maxLength: max, error: `must be a string of at most ${max} characters` })
/** a day: longer is a unit mistake (µs) or garbage */
export const MAX_DURATION_MS = 86_400_000
/** How a step is told apart (protocol/steps.ts): which call a completion closes, and which step holds it. */
const StepLink = {
  /** pairs a call with its completion; without it a completion pairs with the oldest open call of the same tool */
  call_id: T.Optional(Id(`must be a call id: 1 to 200 characters without control or bidi-override characters, not . or ..`)),
  /** the call_id (step id) of the step this one is part of */
  parent_id: T.Optional(Id(`must be the call_id of a parent step: 1 to 200 characters without control or bidi-override characters, not . or ..`)),
  error: T.Optional(Str(MAX_TEXT)),
  duration_ms: T.Optional(T.Integer({ minimum: 0, maximum: MAX_DURATION_MS, error: `must be a whole number of milliseconds, 0 to ${MAX_DURATION_MS}` })),
  /** work of the turn that already ended (it arrived after its agent's end): counted there, opens no next turn */
  late: T.Optional(T.Boolean({ error: 'must be true or false' })),
}
const Tool = T.Object({ tool: T.Optional(T.String({ minLength: 1, maxLength: 200, error: 'must be a tool name (1 to 200 characters)' })), ...StepLink })
const TokenCount = T.Optional(T.Integer({ minimum: 0, maximum: 1e12, error: 'must be a whole number of tokens, at most 10^12' }))
const Model = T.Object({
  ...StepLink,
  model: T.Optional(Str(200)),
  /** the prompt and the completion, as text */
  input: T.Optional(Str(MAX_STEP_TEXT)),
  output: T.Optional(Str(MAX_STEP_TEXT)),
  input_tokens: TokenCount,
  output_tokens: TokenCount,
  /** the total: input + output when not given, more when it counts tokens of neither (reasoning, cache) */
  tokens: TokenCount,
})

/** Payload shapes by wire name; fields not named here pass through untouched. */
export const PAYLOADS: Readonly<Record<string, TSchema>> = {
  'agent:started': T.Object({ name: T.Optional(Name) }),
  'agent:blocked': BlockedPayload,
  'agent:resumed': T.Object({
    msg_id: T.Optional(Id()),
    answer: T.Optional(T.Union([Str(MAX_TEXT), T.Record(T.String(), T.Unknown())], { error: `must be a string of at most ${MAX_TEXT} characters or an object (approval, form)` })),
    answered_by: T.Optional(Name),
    timed_out: T.Optional(T.Boolean({ error: 'must be true or false' })),
    cancelled: T.Optional(T.Boolean({ error: 'must be true or false' })),
  }),
  'agent:completed': T.Object({ summary: T.Optional(Str(MAX_TEXT)) }),
  /** late: a completed agent failed after its end (the run around it failed), in the same turn */
  'agent:failed': T.Object({ error: T.Optional(Str(MAX_TEXT)), late: T.Optional(T.Boolean({ error: 'must be true or false' })) }),
  /** between turns, waiting for its own user (not for a card) */
  'agent:waiting': T.Object({ reason: T.Optional(Str(MAX_TEXT)) }),
  /** a note on the agent's page; never changes its state */
  'agent:note': T.Object({ text: T.String({ minLength: 1, maxLength: MAX_TEXT, error: `must be a string of 1 to ${MAX_TEXT} characters` }) }),
  'tool:called': Tool,
  'tool:started': Tool,
  'tool:completed': Tool,
  'tool:failed': Tool,
  'model:request': Model,
  'model:response': Model,
  'graph:started': T.Object({
    agents: T.Array(
      T.Object({ agent_id: Id(), name: T.Optional(Name), depends_on: T.Optional(T.Array(Id(), { maxItems: 1000, error: 'must be an array of agent ids' })) }),
      { maxItems: MAX_ROSTER, error: `must be an array of at most ${MAX_ROSTER} {agent_id, name?, depends_on?}` },
    ),
  }),
  'user:responded': T.Object({ msg_id: T.Optional(Id()), agent_id: T.Optional(Id()) }),
}

export type Validation = { ok: true; event: Event } | ({ ok: false } & Failure)

const fail = (field: string, reason: string): Validation => ({ ok: false, field, reason })
const ID_FIELDS = ['agent_id', 'graph_id', 'node_id', 'session_id'] as const

function toMillis(value: number | string): number | undefined {
  const ms = typeof value === 'number' ? value : Date.parse(value)
  return Number.isFinite(ms) && ms >= MIN_TIMESTAMP && ms <= MAX_TIMESTAMP ? ms : undefined
}

/** A total smaller than its parts would make totals and costs disagree. */
function tokensBelowSplit(p: Record<string, unknown>): boolean {
  const n = (v: unknown) => (typeof v === 'number' ? v : 0)
  return typeof p.tokens === 'number' && p.tokens < n(p.input_tokens) + n(p.output_tokens)
}

export function validateEvent(input: unknown): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('event', 'must be an object')
  const envelope = firstFailure(EventEnvelope, input)
  if (envelope) return fail(envelope.field, envelope.reason)
  const raw = input as EventInput & { payload?: Record<string, unknown> }
  const timestamp = toMillis(raw.timestamp)
  if (timestamp === undefined) return fail('timestamp', TIMESTAMP_ERROR)
  const actions: readonly string[] = ACTIONS[raw.category]
  if (!actions.includes(raw.action)) return fail('action', `must be one of ${actions.join(', ')} for category ${raw.category}`)
  if (raw.category === 'agent' && raw.agent_id === undefined) return fail('agent_id', 'is required for agent events')
  const payload = raw.payload ?? {}
  if (tooDeep(payload, MAX_DEPTH)) return fail('payload', `must not nest deeper than ${MAX_DEPTH} levels`)
  const shape = PAYLOADS[`${raw.category}:${raw.action}`]
  const problem = shape && firstFailure(shape, payload, 'payload')
  if (problem) return fail(problem.field, problem.reason)
  if (raw.category === 'model' && tokensBelowSplit(payload)) return fail('payload.tokens', 'is the total: at least input_tokens + output_tokens')
  const event: Event = { id: raw.id, timestamp, category: raw.category, action: raw.action, payload }
  for (const key of ID_FIELDS) if (raw[key] !== undefined) event[key] = raw[key]
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
