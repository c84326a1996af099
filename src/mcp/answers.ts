// How a question's outcome reads to an MCP client: a tool result for ask_human, a decision for request_permission.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { AnswerResult } from '../questions/question-record'

const text = (t: string) => ({ type: 'text' as const, text: t })
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Why no answer came, in words (who withdrew it, when known); undefined when one came. */
export function noAnswer(result: AnswerResult, timeout_s: number | undefined): string | undefined {
  if ('timed_out' in result) return `Nobody answered${timeout_s === undefined ? ' in time' : ` within ${timeout_s} s`}: the question timed out.`
  if ('cancelled' in result) return `The question was withdrawn${result.answered_by ? ` by ${result.answered_by}` : ''} on the dashboard: go on without an answer.`
  return undefined
}

/**
 * ask_human's result: the answer as text (JSON for an approval or a form, as the spec asks of structured
 * results), the typed answer as structuredContent, and who answered; no answer is an error result.
 */
export function askResult(result: AnswerResult, timeout_s: number | undefined): CallToolResult {
  const missing = noAnswer(result, timeout_s)
  if (missing !== undefined || !('answer' in result)) return { content: [text(missing ?? 'No answer.')], isError: true }
  const by = result.answered_by ? [text(`Answered by ${result.answered_by}.`)] : []
  const answer = result.answer
  if (typeof answer === 'string') return { content: [text(answer), ...by] }
  return { content: [text(JSON.stringify(answer)), ...by], structuredContent: { ...answer } }
}

/** Claude Code's permission prompt answer: its text content is this JSON. */
export type Decision = { behavior: 'allow'; updatedInput: Record<string, unknown> } | { behavior: 'deny'; message: string }

export function permissionDecision(result: AnswerResult, input: Record<string, unknown>): Decision {
  const missing = noAnswer(result, undefined)
  if (missing !== undefined || !('answer' in result)) return { behavior: 'deny', message: missing ?? 'No answer.' }
  const answer = isObject(result.answer) ? result.answer : {}
  if (answer.approved === true) return { behavior: 'allow', updatedInput: input }
  const comment = typeof answer.comment === 'string' && answer.comment.trim() ? answer.comment.trim() : undefined
  return { behavior: 'deny', message: comment ?? `Denied by ${result.answered_by ?? 'a person on the dashboard'}` }
}

export const decisionResult = (d: Decision): CallToolResult => ({ content: [text(JSON.stringify(d))] })
