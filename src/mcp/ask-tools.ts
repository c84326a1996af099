// ask_human and request_permission: a card on the dashboard, a wait for the person (with progress), withdrawn when the call is.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { EventBus } from '../events/bus'
import { MAX_DETAILS } from '../protocol/limits'
import { tooDeep } from '../protocol/schema'
import { ServiceClosing } from '../questions/errors'
import { recordFromInput, type AnswerResult, type AskInput } from '../questions/question-record'
import type { QuestionService } from '../questions/question-service'
import { askResult, decisionResult, permissionDecision } from './answers'
import { type McpAgent } from './mcp-agent'
import { askHumanShape, requestPermissionShape } from './tool-schemas'
import { invalidArguments, type ToolExtra } from './tool-extra'

export interface AskDeps {
  questions: QuestionService
  bus: EventBus
  /** how often a waiting call sends notifications/progress (when the client gave a progressToken) */
  progressMs: number
}

/** One notification now and one every `everyMs` while the person has not answered; returns the stop. */
function sendProgress(extra: ToolExtra, everyMs: number): () => void {
  const progressToken = extra._meta?.progressToken
  if (progressToken === undefined) return () => {}
  let progress = 0
  const send = () => {
    progress++
    const message = 'waiting for a person to answer on the Switchboard dashboard'
    // A failed send means the response stream is gone: the cancellation or close that follows ends the wait.
    extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, message } }).catch(() => undefined)
  }
  send()
  const timer = setInterval(send, everyMs)
  return () => clearInterval(timer)
}

/** The call ends when the client cancels it (notifications/cancelled), the session closes, or its HTTP request goes away. */
function callSignal(extra: ToolExtra): AbortSignal {
  const http = extra.authInfo?.extra?.signal
  return http instanceof AbortSignal ? AbortSignal.any([extra.signal, http]) : extra.signal
}

async function askAndWait(deps: AskDeps, agent: McpAgent, input: AskInput, extra: ToolExtra): Promise<AnswerResult> {
  const { msg_id } = deps.questions.ask(input)
  const signal = callSignal(extra)
  const stop = sendProgress(extra, deps.progressMs)
  const done = agent.beginWait()
  try {
    await deps.bus.persisted()
    return await deps.questions.waitForAnswer(msg_id, signal)
  } catch (error) {
    // Nobody is left to read the answer (the call ended, or Switchboard stops and its sessions with it):
    // the card goes, and the agent is told it was withdrawn. A client asks again in its next session.
    if (signal.aborted || error instanceof ServiceClosing) deps.questions.cancel((q) => q.msg_id === msg_id)
    throw error
  } finally {
    done()
    stop()
  }
}

/** ask() input checked before the agent is announced, so that a refused question leaves no trace. */
function checked(tool: string, input: AskInput): AskInput {
  invalidArguments(tool, () => recordFromInput(input, Date.now()))
  return input
}

// Markdown-significant characters, escaped so a tool name shows as written.
const escapeMarkdown = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`)
const PREVIEW = 1500

/** A short markdown context for a permission card: who wants what, and (indented, so no fence can break) the input. */
export function permissionContext(name: string, tool: string, input: Record<string, unknown>): string {
  const raw = typeof input.command === 'string' ? input.command : JSON.stringify(input, null, 2)
  const preview = raw.length > PREVIEW ? `${raw.slice(0, PREVIEW)}…` : raw
  const code = preview.split('\n').map((line) => `    ${line}`).join('\n')
  return `**${escapeMarkdown(name)}** wants to use the tool **${escapeMarkdown(tool)}**:\n\n${code}\n`
}

/** The tool's input as the card's details, or a cut preview when it is too large or deep to show whole. */
function permissionDetails(input: Record<string, unknown>): unknown {
  if (tooDeep(input)) return { note: 'the input nests too deep to show' }
  const json = JSON.stringify(input)
  return json.length <= MAX_DETAILS ? input : { note: `the input is ${json.length} characters; the first 4000:`, preview: json.slice(0, 4000) }
}

export function registerAskTools(server: McpServer, agent: McpAgent, deps: AskDeps): void {
  server.registerTool(
    'ask_human',
    {
      title: 'Ask a person',
      description:
        'Ask a person a question on the Switchboard dashboard and wait for the answer. Free text by default; `options` for buttons, `kind: "approval"` for Approve/Deny with a comment (answer {approved, comment?}), `schema` for a form (answer: its values). Blocks until answered, withdrawn or `timeout_s`.',
      inputSchema: askHumanShape,
    },
    async (args, extra) => {
      const who = agent.resolve(args)
      const { agent_id: _id, name: _name, ...question } = args
      const input = checked('ask_human', { ...question, agent_id: who.agent_id } as AskInput)
      invalidArguments('ask_human', () => agent.ensureStarted(who))
      return askResult(await askAndWait(deps, agent, input, extra), args.timeout_s)
    },
  )
  server.registerTool(
    'request_permission',
    {
      title: 'Ask a person for permission',
      description:
        "Ask a person on the Switchboard dashboard whether a tool may run (Claude Code's --permission-prompt-tool). Returns JSON text: {\"behavior\":\"allow\",\"updatedInput\":…} or {\"behavior\":\"deny\",\"message\":…}.",
      inputSchema: requestPermissionShape,
    },
    async (args, extra) => {
      const who = agent.resolve(args)
      const input = checked('request_permission', {
        agent_id: who.agent_id,
        question: `Allow ${args.tool_name}?`,
        kind: 'approval',
        context: permissionContext(who.name, args.tool_name, args.input),
        details: permissionDetails(args.input),
      })
      invalidArguments('request_permission', () => agent.ensureStarted(who))
      return decisionResult(permissionDecision(await askAndWait(deps, agent, input, extra), args.input))
    },
  )
}
