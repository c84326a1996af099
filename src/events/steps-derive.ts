// Steps from events, one stored event at a time: which step an event opens, closes or adds to, and the agent's turn.
import type { Event } from '../protocol/event'
import { MAX_STEP_TEXT } from '../protocol/limits'
import { blockedMsgId } from '../protocol/question'
import { STEP_NAME_LENGTH, type StepKind, type StepStatus } from '../protocol/steps'

/** A step not closed yet, as pairing needs it (the rest of it is in its row). */
export interface OpenStep {
  seq: number
  kind: 'tool' | 'model' | 'question'
  /** the call_id it was opened with (a question: its msg_id) */
  call_id?: string
  /** what a completion without call_id pairs by: the tool's name, the model's */
  key?: string
  /** a tool call whose tool:started was seen (a second one opens the next call) */
  started: boolean
}

/** What pairing knows of one agent; rebuilt from the tables when it is not in memory. */
export interface AgentTrack {
  turn: number
  /** the last lifecycle event ended a turn (done, failed, cancelled, skipped, waiting) */
  ended: boolean
  /** oldest first, at most MAX_OPEN */
  open: OpenStep[]
}

/** Open calls remembered per agent: a producer that never closes its calls must not grow the memory. */
export const MAX_OPEN = 100

/** A step's columns as written; input and output are JSON text. */
export interface StepRow {
  seq: number
  agent_id: string
  step_id: string
  call_id: string | null
  kind: StepKind
  name: string
  status: StepStatus
  started: number
  turn: number
  started_at: number
  ended_at: number | null
  duration_ms: number | null
  parent_id: string | null
  input: string | null
  output: string | null
  error: string | null
  model: string | null
  tokens_in: number | null
  tokens_out: number | null
  tokens: number | null
  answered_by: string | null
  msg_id: string | null
  truncated: number
}

/** What closing a step writes over its row; null leaves the column as it is (the opening event's). */
export type StepClose = Pick<StepRow, 'seq' | 'status' | 'ended_at' | 'duration_ms' | 'output' | 'error' | 'model' | 'tokens_in' | 'tokens_out' | 'tokens' | 'answered_by' | 'input' | 'truncated'>

export type StepChange = { insert: StepRow } | { close: StepClose } | { input: { seq: number; input: string; truncated: number } }

const ACTIVITY = new Set(['agent:started', 'agent:blocked', 'tool:called', 'tool:started', 'tool:completed', 'tool:failed', 'model:request', 'model:response'])
const ENDS = new Set(['agent:completed', 'agent:failed', 'agent:cancelled', 'agent:skipped', 'agent:waiting'])

/**
 * The turn an event belongs to, counted as the agent machine counts them; true when the track changed. `late`: the
 * event says it is work of the ended turn (`payload.late`), which opens no next one.
 */
export function advanceTurn(track: AgentTrack, name: string, late = false): boolean {
  if (late && track.turn > 0 && track.ended) return false
  if (ACTIVITY.has(name) && (track.turn === 0 || track.ended)) {
    track.turn++
    track.ended = false
    return true
  }
  if (ENDS.has(name) && !track.ended) {
    track.ended = true
    return true
  }
  return false
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const whole = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null)

/** A value as stored: JSON text of at most MAX_STEP_TEXT characters, else the text cut (a string) and marked. */
export function boundedJson(value: unknown): { text: string | null; cut: boolean } {
  if (value === undefined) return { text: null, cut: false }
  let text: string | undefined
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value)
  } catch {
    text = String(value)
  }
  if (text === undefined) return { text: null, cut: false }
  if (text.length <= MAX_STEP_TEXT) return { text: typeof value === 'string' ? JSON.stringify(value) : text, cut: false }
  return { text: JSON.stringify(`${text.slice(0, MAX_STEP_TEXT)}…`), cut: true }
}

const boundedText = (v: unknown): { text: string | null; cut: boolean } => {
  const s = typeof v === 'string' ? v : undefined
  if (s === undefined) return { text: null, cut: false }
  return s.length <= MAX_STEP_TEXT ? { text: s, cut: false } : { text: `${s.slice(0, MAX_STEP_TEXT)}…`, cut: true }
}

const nameOf = (text: string) => (text.length <= STEP_NAME_LENGTH ? text : `${text.slice(0, STEP_NAME_LENGTH - 1)}…`)

/**
 * The open step a closing event pairs with: by call_id; else (or when no open call has that id) the
 * oldest open call of the same tool or model not opened with another id; a response naming no model
 * takes the oldest open model call.
 */
export function pairOf(open: readonly OpenStep[], kind: OpenStep['kind'], callId: string | undefined, key: string | undefined, fresh = false): number {
  const fits = (o: OpenStep) => o.kind === kind && (!fresh || !o.started)
  if (callId !== undefined) {
    const byId = open.findIndex((o) => fits(o) && o.call_id === callId)
    if (byId !== -1) return byId
    return open.findIndex((o) => fits(o) && o.call_id === undefined && o.key === key)
  }
  const byKey = open.findIndex((o) => fits(o) && o.key === key)
  if (byKey !== -1 || kind === 'tool') return byKey
  return key === undefined ? open.findIndex(fits) : open.findIndex((o) => fits(o) && o.key === undefined)
}

function remember(track: AgentTrack, step: OpenStep): void {
  track.open.push(step)
  if (track.open.length > MAX_OPEN) track.open.shift()
}

type Stored = { seq: number; event: Event }

function baseRow({ seq, event: e }: Stored, track: AgentTrack, kind: StepKind, name: string, status: StepStatus): StepRow {
  const p = e.payload
  return {
    seq,
    agent_id: e.agent_id!,
    step_id: str(p.call_id) ?? e.id,
    call_id: str(p.call_id) ?? null,
    kind,
    name,
    status,
    started: 0,
    turn: Math.max(1, track.turn),
    started_at: e.timestamp,
    ended_at: null,
    duration_ms: null,
    parent_id: str(p.parent_id) ?? null,
    input: null,
    output: null,
    error: null,
    model: null,
    tokens_in: null,
    tokens_out: null,
    tokens: null,
    answered_by: null,
    msg_id: null,
    truncated: 0,
  }
}

/** The tokens of a model event, in the step's names: the total given, else input + output. */
function modelFields(p: Record<string, unknown>) {
  const tokens_in = whole(p.input_tokens)
  const tokens_out = whole(p.output_tokens)
  const tokens = whole(p.tokens) ?? (tokens_in === null && tokens_out === null ? null : (tokens_in ?? 0) + (tokens_out ?? 0))
  return { model: str(p.model) ?? null, tokens_in, tokens_out, tokens }
}

function closing(stored: Stored, seq: number, status: StepStatus, output: unknown, error: string | null): StepClose {
  const p = stored.event.payload
  const out = boundedJson(output)
  const model = stored.event.category === 'model' ? modelFields(p) : { model: null, tokens_in: null, tokens_out: null, tokens: null }
  const input = stored.event.category === 'model' ? boundedJson(p.input) : { text: null, cut: false }
  return { seq, status, ended_at: stored.event.timestamp, duration_ms: whole(p.duration_ms), output: out.text, error, ...model, answered_by: null, input: input.text, truncated: out.cut || input.cut ? 1 : 0 }
}

function toolStep(stored: Stored, track: AgentTrack): StepChange | undefined {
  const { event: e } = stored
  const p = e.payload
  const tool = str(p.tool) ?? 'unknown'
  const callId = str(p.call_id)
  if (e.action === 'called' || e.action === 'started') {
    const at = e.action === 'started' ? pairOf(track.open, 'tool', callId, tool, true) : -1
    const args = boundedJson(p.args ?? p.arguments ?? p.input)
    if (at !== -1) {
      track.open[at]!.started = true
      return args.text === null ? undefined : { input: { seq: track.open[at]!.seq, input: args.text, truncated: args.cut ? 1 : 0 } }
    }
    const row = { ...baseRow(stored, track, 'tool', tool, 'running'), started: e.action === 'started' ? 1 : 0, input: args.text, truncated: args.cut ? 1 : 0 }
    remember(track, { seq: stored.seq, kind: 'tool', call_id: callId, key: tool, started: e.action === 'started' })
    return { insert: row }
  }
  const failed = e.action === 'failed'
  const error = failed ? (boundedText(str(p.error) ?? 'failed').text as string) : null
  const close = closing(stored, 0, failed ? 'error' : 'ok', p.result ?? p.output, error)
  return closeOrWhole(stored, track, pairOf(track.open, 'tool', callId, tool), close, tool)
}

function modelStep(stored: Stored, track: AgentTrack): StepChange {
  const p = stored.event.payload
  const model = str(p.model)
  if (stored.event.action === 'request') {
    const input = boundedJson(p.input)
    const row = { ...baseRow(stored, track, 'model', model ?? 'model', 'running'), ...modelFields(p), input: input.text, truncated: input.cut ? 1 : 0 }
    remember(track, { seq: stored.seq, kind: 'model', call_id: str(p.call_id), key: model, started: false })
    return { insert: row }
  }
  const error = str(p.error) === undefined ? null : (boundedText(p.error).text as string)
  const close = closing(stored, 0, error === null ? 'ok' : 'error', p.output, error)
  return closeOrWhole(stored, track, pairOf(track.open, 'model', str(p.call_id), model), close, model ?? 'model')
}

/** Close the paired open step, or, paired with none, the event is a whole step of its own. */
function closeOrWhole(stored: Stored, track: AgentTrack, at: number, close: StepClose, name: string): StepChange {
  if (at !== -1) {
    const [open] = track.open.splice(at, 1)
    return { close: { ...close, seq: open!.seq } }
  }
  const kind = stored.event.category as 'tool' | 'model'
  const { seq: _, ...fields } = close
  const row = { ...baseRow(stored, track, kind, name, close.status), ...fields }
  // A call reported once it is over: it began its duration before.
  row.started_at = stored.event.timestamp - (row.duration_ms ?? 0)
  row.duration_ms ??= 0
  return { insert: row }
}

function questionStep(stored: Stored, track: AgentTrack): StepChange | undefined {
  const { event: e } = stored
  const p = e.payload
  if (e.action === 'blocked') {
    const msgId = blockedMsgId(e)
    if (track.open.some((o) => o.kind === 'question' && o.call_id === msgId)) return undefined
    const { question, options, kind, timeout_s, schema, context, details } = p
    const input = boundedJson({ question, options, kind, timeout_s, schema, context, details })
    remember(track, { seq: stored.seq, kind: 'question', call_id: msgId, started: false })
    const row = baseRow(stored, track, 'question', nameOf(str(question) ?? msgId), 'waiting')
    return { insert: { ...row, step_id: msgId, call_id: msgId, parent_id: null, msg_id: msgId, input: input.text, truncated: input.cut ? 1 : 0 } }
  }
  const msgId = str(p.msg_id)
  const at = track.open.findIndex((o) => o.kind === 'question' && (msgId === undefined || o.call_id === msgId))
  if (at === -1) return undefined
  const [open] = track.open.splice(at, 1)
  const status: StepStatus = p.timed_out === true ? 'timed_out' : p.cancelled === true ? 'withdrawn' : 'answered'
  const answer = boundedJson(status === 'answered' ? p.answer : undefined)
  const close: StepClose = { seq: open!.seq, status, ended_at: e.timestamp, duration_ms: null, output: answer.text, error: null, model: null, tokens_in: null, tokens_out: null, tokens: null, answered_by: str(p.answered_by) ?? null, input: null, truncated: answer.cut ? 1 : 0 }
  return { close }
}

function noteStep(stored: Stored, track: AgentTrack): StepChange | undefined {
  const text = str(stored.event.payload.text)
  if (text === undefined) return undefined
  const body = boundedJson(text)
  return { insert: { ...baseRow(stored, track, 'note', nameOf(text), 'ok'), step_id: stored.event.id, call_id: null, input: body.text, truncated: body.cut ? 1 : 0 } }
}

/** The change one stored event makes to its agent's steps (the track updated to match), or none. */
export function deriveStep(stored: Stored, track: AgentTrack): StepChange | undefined {
  const e = stored.event
  if (e.category === 'tool') return toolStep(stored, track)
  if (e.category === 'model') return modelStep(stored, track)
  if (e.category !== 'agent') return undefined
  if (e.action === 'blocked' || e.action === 'resumed') return questionStep(stored, track)
  if (e.action === 'note') return noteStep(stored, track)
  return undefined
}
