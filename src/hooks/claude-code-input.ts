// What a Claude Code hook POSTs (its `"type": "http"` hooks send the same JSON a command hook reads on stdin), checked once.
// Field names as in Claude Code's hooks reference (and the schemas in its CLI): the common fields, then each event's own.
import { Type as T, type Static } from '@sinclair/typebox'
import { MAX_TEXT } from '../protocol/limits'
import { firstFailure, Id, type Failure } from '../protocol/schema'

/**
 * Claude Code's session and subagent ids are UUIDs and short hex; the agent ids built from them
 * (`claude-code-<session>-<agent>`) must stay within MAX_ID_LENGTH.
 */
export const MAX_HOOK_ID = 80
/**
 * A hook body read at most (Bun's cap for the server is set above it). Claude Code sends whole tool results (an
 * Edit's original file, an MCP tool's answer); its own tools cut their output far below this. Past it the body is
 * not read and the hook is answered as if it had not run: never a 413, which Claude Code would show as an error.
 */
export const MAX_HOOK_BODY_BYTES = 32 << 20
const ShortId = T.String({
  minLength: 1,
  maxLength: MAX_HOOK_ID,
  pattern: Id().pattern,
  error: `must be a string of 1 to ${MAX_HOOK_ID} characters without control or bidi-override characters, not . or ..`,
})
// Free text Claude Code writes (a prompt, a message): any string; it is cut and cleaned where it is shown.
const Str = T.String({ error: 'must be a string' })
const Label = T.String({ maxLength: MAX_TEXT, error: `must be a string of at most ${MAX_TEXT} characters` })

export const HookInput = T.Object(
  {
    hook_event_name: T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z]+$', error: 'must be the name of a Claude Code hook event, e.g. PreToolUse' }),
    session_id: ShortId,
    cwd: T.Optional(Str),
    transcript_path: T.Optional(Str),
    permission_mode: T.Optional(Str),
    /** present only when the hook fires inside a subagent */
    agent_id: T.Optional(ShortId),
    agent_type: T.Optional(Label),
    tool_name: T.Optional(T.String({ minLength: 1, maxLength: 200, error: 'must be a tool name (1 to 200 characters)' })),
    tool_input: T.Optional(T.Unknown()),
    tool_response: T.Optional(T.Unknown()),
    tool_use_id: T.Optional(ShortId),
    error: T.Optional(Str),
    reason: T.Optional(Str),
    prompt: T.Optional(Str),
    message: T.Optional(Str),
    title: T.Optional(Str),
    notification_type: T.Optional(Label),
    source: T.Optional(Str),
    last_assistant_message: T.Optional(Str),
    duration_ms: T.Optional(T.Number({ error: 'must be a number' })),
  },
  { additionalProperties: true, error: 'must be a JSON object: the hook input Claude Code sends' },
)
export type HookInput = Static<typeof HookInput>

export type Checked = { ok: true; input: HookInput } | ({ ok: false } & Failure)

export function checkHookInput(body: unknown): Checked {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, field: 'body', reason: 'must be a JSON object: the hook input Claude Code sends' }
  const failure = firstFailure(HookInput, body)
  return failure ? { ok: false, ...failure } : { ok: true, input: body as HookInput }
}
