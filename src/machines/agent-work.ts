// What an agent's tool and model events add to its context: counts, the recent calls a card shows, tokens per model.
import type { AgentMachineEvent } from './machine-events'

/** One tool call as a card shows it: what led to a question. Strings cut short. */
export interface ToolCallNote {
  tool: string
  args?: string
  result?: string
  error?: string
  at: number
}

/** Tokens one model used, as the agent reported them; `model: null` is unnamed (or past MAX_MODELS). */
export interface ModelUsage {
  model: string | null
  input: number
  output: number
  /** the total reported: input + output, or more when some were of neither kind */
  total: number
}

/** What these helpers read of the context. */
interface WorkContext {
  tool_calls: number
  current_tool: string | null
  recent_tools: ToolCallNote[]
}

export const MAX_RECENT_TOOLS = 5
/** models tracked by name per agent; more are counted unnamed (and so unpriced) */
export const MAX_MODELS = 8
/** characters kept of a tool call's arguments, result or error */
export const TOOL_NOTE_LENGTH = 300

export const ACTIVE_TOOL: ReadonlySet<string> = new Set(['TOOL_CALLED', 'TOOL_STARTED'])

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
// Synthetic events (graph traversal in tests and the inspector send `{ type }` alone) carry no
// wire event: read through these so such an event is handled, not thrown on.
export const payloadOf = (e: AgentMachineEvent): Record<string, unknown> => e.event?.payload ?? {}
export const timeOf = (e: AgentMachineEvent): number => e.event?.timestamp ?? Date.now()

/** A value as short text: strings as they are, anything else as JSON, cut with an ellipsis. */
function brief(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  let text: string
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value))
  } catch {
    text = String(value)
  }
  return text.length > TOOL_NOTE_LENGTH ? `${text.slice(0, TOOL_NOTE_LENGTH)}…` : text
}

/** The recent calls after a tool event: a new call noted, or the open one closed with its result or error. */
export function noteTool(context: WorkContext, e: AgentMachineEvent, tool: string, isNewCall: boolean): ToolCallNote[] {
  const p = payloadOf(e)
  const notes = context.recent_tools
  if (ACTIVE_TOOL.has(e.type)) {
    if (!isNewCall) return notes
    const note: ToolCallNote = { tool, at: timeOf(e) }
    const args = brief(p.args ?? p.arguments ?? p.input)
    if (args !== undefined) note.args = args
    return [...notes, note].slice(-MAX_RECENT_TOOLS)
  }
  const open = notes.findLastIndex((n) => n.tool === tool && n.result === undefined && n.error === undefined)
  const closed: ToolCallNote = open === -1 ? { tool, at: timeOf(e) } : { ...notes[open]! }
  if (e.type === 'TOOL_FAILED') closed.error = brief(p.error) ?? 'failed'
  else closed.result = brief(p.result ?? p.output) ?? 'done'
  return open === -1 ? [...notes, closed].slice(-MAX_RECENT_TOOLS) : notes.map((n, i) => (i === open ? closed : n))
}

export function toolCount(context: WorkContext, e: AgentMachineEvent): number {
  if (e.type === 'TOOL_CALLED') return context.tool_calls + 1
  // Producers may send called+started for one call, or started alone: count a start once.
  if (e.type === 'TOOL_STARTED' && context.current_tool !== str(payloadOf(e).tool)) return context.tool_calls + 1
  return context.tool_calls
}

const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0)

/** The usage after a model event: its tokens added to its model's entry (created if there is room). */
export function addUsage(usage: readonly ModelUsage[], p: Record<string, unknown>): { usage: ModelUsage[]; input: number; output: number; total: number } {
  const input = count(p.input_tokens)
  const output = count(p.output_tokens)
  const total = Math.max(count(p.tokens), input + output)
  if (total === 0) return { usage: [...usage], input, output, total }
  let model = str(p.model) ?? null
  if (model !== null && !usage.some((u) => u.model === model) && usage.filter((u) => u.model !== null).length >= MAX_MODELS) model = null
  const at = usage.findIndex((u) => u.model === model)
  const before = at === -1 ? { model, input: 0, output: 0, total: 0 } : usage[at]!
  const after = { model, input: before.input + input, output: before.output + output, total: before.total + total }
  return { usage: at === -1 ? [...usage, after] : usage.map((u, i) => (i === at ? after : u)), input, output, total }
}
