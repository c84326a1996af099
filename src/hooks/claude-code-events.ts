// Claude Code's hook inputs as Switchboard events: a session is an agent, a subagent an agent of its own in the
// session's run, a tool call a step paired by tool_use_id, a prompt a turn, Stop and "needs input" a wait.
import { makeEvent, MAX_DURATION_MS, type Event } from '../protocol/event'
import { MAX_DEPTH, MAX_DETAILS, MAX_ID_LENGTH, MAX_STEP_TEXT, MAX_TEXT } from '../protocol/limits'
import { tooDeep } from '../protocol/schema'
import type { HookInput } from './claude-code-input'

/** Notification types Claude Code sends when the person at the terminal is needed (its CLI's list). */
const NEEDS_INPUT = new Set(['idle_prompt', 'permission_prompt', 'agent_needs_input', 'elicitation_dialog', 'elicitation_url_dialog', 'worker_permission_prompt'])
/** Hook events that carry a tool call: their tool_name is required. */
export const TOOL_EVENTS = new Set(['PreToolUse', 'PostToolUse', 'PostToolUseFailure', 'PermissionRequest', 'PermissionDenied'])

// What a name must not hold (controls, bidi overrides): a folder's name is not ours to trust.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** Text as shown: CRs normalised (CRLF and a lone CR are one line end), cut to `max` with "…". */
export function text(raw: string, max = MAX_TEXT): string {
  const s = raw.replace(/\r\n?/g, '\n')
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`
}

/** A tool's input or result as a step keeps it: the value when its JSON fits the step limits, else its text cut. */
export function stepValue(value: unknown, max = MAX_STEP_TEXT): unknown {
  if (typeof value === 'string') return text(value, max)
  if (tooDeep(value, MAX_DEPTH - 2)) return '(nested too deep to keep)'
  const json = JSON.stringify(value) ?? String(value)
  return json.length <= max ? value : `${json.slice(0, max - 1)}…`
}

/** The tool input shown on an approval card: whole when small, else a cut preview (as the MCP permission tool does). */
export function cardDetails(input: unknown): unknown {
  const kept = stepValue(input, MAX_DETAILS)
  return typeof kept === 'string' && typeof input !== 'string' ? { note: 'the input is too long to show whole; its start:', preview: kept.slice(0, 4000) } : kept
}

const folder = (cwd: string | undefined) => {
  const base = (cwd ?? '').split(/[\\/]/).filter(Boolean).pop() ?? ''
  return base.replace(UNSAFE, '').trim()
}

export interface Actor {
  agent_id: string
  graph_id: string
  name: string
}

/** The session's agent, or the subagent's when the hook fired inside one. */
export function actorOf(input: HookInput): Actor {
  const where = folder(input.cwd)
  const session = `claude-code-${input.session_id}`
  const name = (who: string) => (where ? `${who} · ${where}` : who).slice(0, MAX_ID_LENGTH)
  if (input.agent_id === undefined) return { agent_id: session, graph_id: input.session_id, name: name('Claude Code') }
  const type = (input.agent_type ?? 'subagent').replace(UNSAFE, '').trim() || 'subagent'
  return { agent_id: `${session}-${input.agent_id}`, graph_id: input.session_id, name: name(`${type} (subagent)`) }
}

/** The session's own agent, whoever the hook fired in (Stop and SessionEnd are the session's). */
export const sessionActor = (input: HookInput): Actor => actorOf({ ...input, agent_id: undefined })

function event(actor: Actor, category: 'agent' | 'tool', action: string, payload: Record<string, unknown>): Event {
  return makeEvent(category, action, { agent_id: actor.agent_id, graph_id: actor.graph_id, session_id: actor.graph_id, payload })
}

export const started = (actor: Actor, message?: string) => event(actor, 'agent', 'started', { name: actor.name, ...(message ? { message: text(message) } : {}) })

function toolEvent(actor: Actor, input: HookInput, action: string, extra: Record<string, unknown>): Event {
  const link = input.tool_use_id === undefined ? {} : { call_id: input.tool_use_id }
  return event(actor, 'tool', action, { tool: input.tool_name ?? 'tool', ...link, ...extra })
}

const duration = (ms: number | undefined) =>
  ms === undefined || !Number.isFinite(ms) ? {} : { duration_ms: Math.min(MAX_DURATION_MS, Math.max(0, Math.round(ms))) }

/** The step a denial on an approval card closes: by tool_use_id, else the oldest open call of that tool. */
export const deniedStep = (input: HookInput, why: string) => toolEvent(actorOf(input), input, 'failed', { error: text(`Denied: ${why}`) })

/** The events one hook input becomes (none for hooks Switchboard shows nothing of). */
export function hookEvents(input: HookInput): Event[] {
  const actor = actorOf(input)
  switch (input.hook_event_name) {
    case 'SessionStart':
      return [started(sessionActor(input), input.source ? `session ${input.source}` : undefined)]
    case 'UserPromptSubmit':
      return [started(actor, input.prompt)]
    case 'PreToolUse':
      return [toolEvent(actor, input, 'called', { args: stepValue(input.tool_input ?? {}) })]
    case 'PostToolUse':
      return [toolEvent(actor, input, 'completed', { result: stepValue(input.tool_response ?? null), ...duration(input.duration_ms) })]
    case 'PostToolUseFailure':
      return [toolEvent(actor, input, 'failed', { error: text(input.error || 'the tool failed'), ...duration(input.duration_ms) })]
    case 'PermissionDenied':
      return [toolEvent(actor, input, 'failed', { error: text(`Permission denied${input.reason ? `: ${input.reason}` : ''}`) })]
    case 'Stop': {
      const main = sessionActor(input)
      const last = input.last_assistant_message?.trim()
      return [...(last ? [event(main, 'agent', 'note', { text: text(last) })] : []), event(main, 'agent', 'waiting', { reason: 'finished its turn: waiting for the next prompt' })]
    }
    case 'StopFailure':
      return [event(sessionActor(input), 'agent', 'failed', { error: text(input.error || 'the turn ended with an error') })]
    case 'SubagentStart':
      return [started(actor)]
    case 'SubagentStop': {
      const last = input.last_assistant_message?.trim()
      return [event(actor, 'agent', 'completed', last ? { summary: text(last) } : {})]
    }
    case 'Notification': {
      const message = text(input.message?.trim() || input.title?.trim() || input.notification_type || 'Claude Code notification')
      return NEEDS_INPUT.has(input.notification_type ?? '') ? [event(actor, 'agent', 'waiting', { reason: message })] : [event(actor, 'agent', 'note', { text: message })]
    }
    case 'SessionEnd':
      return [event(sessionActor(input), 'agent', 'completed', { summary: `session ended${input.reason ? ` (${text(input.reason, 100)})` : ''}` })]
    default:
      return []
  }
}
