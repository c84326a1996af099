// A Claude Code permission ask (PermissionRequest, or PreToolUse routed here with ?approve=1) as an approval card,
// and the person's decision in the JSON that hook reads; no decision in time is the answer that leaves it to the terminal.
import type { EventBus } from '../events/bus'
import { ServiceClosing } from '../questions/errors'
import type { AnswerResult, AskInput } from '../questions/question-record'
import type { QuestionService } from '../questions/question-service'
import { actorOf, cardDetails, deniedStep, started, text } from './claude-code-events'
import type { HookInput } from './claude-code-input'

/** Claude Code's own default hook timeout is 600 s: a card left unanswered is given up this long before it. */
export const DEFAULT_APPROVAL_TIMEOUT_S = 570
/** After the card's own deadline, the wait ends at the latest this much later (the question service settles deadlines on a poll). */
const DEADLINE_SLACK_MS = 2_000

export interface ApprovalTimers {
  setTimeout(run: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface ApprovalDeps {
  questions: QuestionService
  bus: EventBus
  timers?: ApprovalTimers
}

type Outcome = { allow: true } | { allow: false; message: string } | { allow: undefined }

// Markdown-significant characters, escaped so a tool or folder name shows as written.
const escapeMarkdown = (s: string) => s.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`)
const PREVIEW = 1500
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** What the card says above the buttons: who wants which tool, and the input (indented, so no fence can break). */
function context(name: string, tool: string, input: unknown): string {
  const fields = isObject(input) ? input : {}
  const raw = typeof fields.command === 'string' ? fields.command : typeof fields.file_path === 'string' && typeof fields.content === 'string' ? `${fields.file_path}\n\n${fields.content}` : (JSON.stringify(input, null, 2) ?? String(input))
  const preview = text(raw, PREVIEW)
  const code = preview.split('\n').map((line) => `    ${line}`).join('\n')
  return `**${escapeMarkdown(name)}** wants to use **${escapeMarkdown(tool)}**:\n\n${code}\n`
}

function questionOf(input: HookInput, timeoutS: number): AskInput {
  const actor = actorOf(input)
  const tool = input.tool_name ?? 'a tool'
  const fields = isObject(input.tool_input) ? input.tool_input : {}
  const what = typeof fields.command === 'string' ? fields.command : typeof fields.file_path === 'string' ? fields.file_path : undefined
  const firstLine = what?.split(/\r\n?|\n/)[0]?.trim()
  return {
    agent_id: actor.agent_id,
    graph_id: actor.graph_id,
    question: text(firstLine ? `Allow ${tool}: ${firstLine}?` : `Allow ${tool}?`, 300),
    kind: 'approval',
    context: context(actor.name, tool, input.tool_input),
    details: cardDetails(input.tool_input ?? {}),
    timeout_s: timeoutS,
  }
}

function outcomeOf(result: AnswerResult): Outcome {
  if (!('answer' in result)) return { allow: undefined }
  const answer = isObject(result.answer) ? result.answer : {}
  if (answer.approved === true) return { allow: true }
  const comment = typeof answer.comment === 'string' && answer.comment.trim() ? answer.comment.trim() : undefined
  return { allow: false, message: comment ?? `Denied by ${result.answered_by ?? 'a person'} on Switchboard` }
}

/** The hook's HTTP answer for the decision: PermissionRequest's `decision`, or PreToolUse's `permissionDecision`. */
export function decisionBody(hook: 'PermissionRequest' | 'PreToolUse', outcome: Outcome): Record<string, unknown> {
  if (hook === 'PermissionRequest') {
    // No decision: Claude Code goes on to its own permission dialog, in the terminal.
    if (outcome.allow === undefined) return {}
    const decision = outcome.allow ? { behavior: 'allow' } : { behavior: 'deny', message: outcome.message }
    return { hookSpecificOutput: { hookEventName: 'PermissionRequest', decision } }
  }
  const permissionDecision = outcome.allow === undefined ? 'ask' : outcome.allow ? 'allow' : 'deny'
  const reason = outcome.allow === undefined ? 'No answer on Switchboard in time' : outcome.allow ? 'Approved on Switchboard' : outcome.message
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision, permissionDecisionReason: reason } }
}

/**
 * Ask on a card and wait for the person, at most `timeoutS`; the card goes when the wait ends without an answer
 * (the deadline, Claude Code hanging up, Switchboard stopping). Resolves to the hook's HTTP body.
 */
export async function approve(deps: ApprovalDeps, input: HookInput, hook: 'PermissionRequest' | 'PreToolUse', timeoutS: number, signal: AbortSignal): Promise<Record<string, unknown>> {
  const actor = actorOf(input)
  const question = questionOf(input, timeoutS)
  await deps.bus.ingest([started(actor)])
  const timers = deps.timers ?? { setTimeout, clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) }
  const stop = new AbortController()
  const { msg_id } = deps.questions.ask(question)
  // Counted from the card's creation, as its own deadline is.
  const handle = timers.setTimeout(() => stop.abort(), timeoutS * 1000 + DEADLINE_SLACK_MS)
  const ended = AbortSignal.any([signal, stop.signal])
  let outcome: Outcome
  try {
    await deps.bus.persisted()
    outcome = outcomeOf(await deps.questions.waitForAnswer(msg_id, ended))
  } catch (error) {
    if (!ended.aborted && !(error instanceof ServiceClosing)) throw error
    outcome = { allow: undefined }
  } finally {
    timers.clearTimeout(handle)
  }
  // Nobody answered: the card must not stay answerable for a call that is no longer waiting.
  if (outcome.allow === undefined) deps.questions.cancel((q) => q.msg_id === msg_id)
  if (outcome.allow === false) await deps.bus.ingest([deniedStep(input, outcome.message)])
  return decisionBody(hook, outcome)
}
