// POST /hooks/claude-code: Claude Code's `"type": "http"` hooks, as they send them. The security gate has run (token
// in the hook's Authorization header, Host, JSON-only POST); the body is read here, bounded, since a tool's
// response can be large and must be cut to the step limits, never answered with a 413.
import { Elysia } from 'elysia'
import type { EventBus } from '../../events/bus'
import { approve, DEFAULT_APPROVAL_TIMEOUT_S, type ApprovalTimers } from '../../hooks/claude-code-approval'
import { hookEvents, TOOL_EVENTS } from '../../hooks/claude-code-events'
import { checkHookInput, MAX_HOOK_BODY_BYTES } from '../../hooks/claude-code-input'
import { readBody } from '../../mcp/request-body'
import { MAX_TIMEOUT_S } from '../../protocol/limits'
import { routes } from '../../protocol/routes'
import type { QuestionService } from '../../questions/question-service'
import { logger } from '../../telemetry/log'
import { OnceLog } from '../../telemetry/once'

export interface ClaudeCodeOptions {
  /** the approval deadline's timer (tests move a manual clock) */
  timers?: ApprovalTimers
}

interface Server {
  timeout(request: Request, seconds: number): void
}

/** The whole body must have arrived within this (Claude Code sends it at once). */
const BODY_DEADLINE_MS = 30_000
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

function timeoutOf(raw: string | null): number | { error: string } {
  if (raw === null) return DEFAULT_APPROVAL_TIMEOUT_S
  const s = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || s <= 0 || s > MAX_TIMEOUT_S) return { error: `query.timeout must be a number of seconds above 0, at most ${MAX_TIMEOUT_S}` }
  return s
}

export function claudeCodeRoutes(deps: { questions: QuestionService; bus: EventBus }, options: ClaudeCodeOptions = {}) {
  const oversized = new OnceLog('claude-code hooks', logger('server'))
  return new Elysia().post(
    routes.claudeCodeHooks,
    async ({ request, server }: { request: Request; server: Server | null }) => {
      const url = new URL(request.url)
      const timeoutS = timeoutOf(url.searchParams.get('timeout'))
      if (typeof timeoutS !== 'number') return json(400, { error: timeoutS.error, field: 'query.timeout' })
      const read = await readBody(request, { maxBytes: MAX_HOOK_BODY_BYTES, deadlineMs: BODY_DEADLINE_MS })
      if (!read.ok) {
        // Too large to read at all: Claude Code goes on as if no hook ran (an empty answer), never a 413.
        if (read.status === 413) {
          oversized.report('body', `over ${MAX_HOOK_BODY_BYTES} bytes: answered without being read`)
          return json(200, {}, read.headers)
        }
        return json(read.status, { error: read.reason.replace(/^Parse error: /, '') }, read.headers)
      }
      const checked = checkHookInput(read.message)
      if (!checked.ok) return json(400, { error: `${checked.field} ${checked.reason}`, field: checked.field })
      const input = checked.input
      if (TOOL_EVENTS.has(input.hook_event_name) && input.tool_name === undefined)
        return json(400, { error: `tool_name is required for ${input.hook_event_name}`, field: 'tool_name' })
      const asks = input.hook_event_name === 'PermissionRequest' || (input.hook_event_name === 'PreToolUse' && url.searchParams.get('approve') === '1')
      await deps.bus.ingest(hookEvents(input))
      if (!asks) return json(200, {})
      // From here the request waits for a person, quiet: Bun's idle timeout must not end it.
      server?.timeout(request, 0)
      const hook = input.hook_event_name === 'PermissionRequest' ? 'PermissionRequest' : 'PreToolUse'
      return json(200, await approve({ ...deps, timers: options.timers }, input, hook, timeoutS, request.signal))
    },
    {
      parse: 'none',
      detail: {
        summary: "Claude Code's http hooks: the hook input JSON as Claude Code sends it; the answer is the JSON that hook reads",
        description:
          'A session is an agent (`claude-code-<session_id>`), a subagent an agent of its own in the session run, a tool call a step paired by `tool_use_id`. `PermissionRequest` (and `PreToolUse` with `?approve=1`) waits on an approval card and answers the decision; past `?timeout` seconds (default 570) it answers no decision. Bodies up to 32 MB; larger are answered `{}` unread.',
        parameters: [
          { name: 'approve', in: 'query', required: false, schema: { type: 'string', enum: ['1'] }, description: 'PreToolUse: ask on a card before every tool call' },
          { name: 'timeout', in: 'query', required: false, schema: { type: 'number' }, description: 'seconds a card waits before the answer is no decision (default 570; below the hook\'s own timeout)' },
        ],
        responses: {
          200: { description: '`{}`, or for an approval `{hookSpecificOutput: {hookEventName, decision | permissionDecision}}`' },
          400: { description: '`{error, field}`: not a Claude Code hook input' },
          401: { description: 'no or a wrong token' },
          503: { description: 'the store cannot take events now' },
        },
      },
    },
  )
}
