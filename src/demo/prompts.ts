// What the demo agents send their model and what it answers: short prompt and completion excerpts, and the plans they note.
import { baseName, type AgentKind, type PlannedAgent } from './plan'
import type { ToolCall, ToolName } from './tools'

const SYSTEM = 'You are a coding agent in a swarm tidying the Python repository acme/tidy. Use the tools; stop when your task is done.'

function task(agent: PlannedAgent): string {
  const file = agent.file ? baseName(agent.file) : ''
  const tasks: Record<AgentKind, string> = {
    scan: 'Index the repository: list the Python modules and their public functions.',
    lint: `Run ruff on ${file}, fix what it finds and make the docstrings consistent.`,
    refactor: `Simplify ${agent.fn}() in ${file} without changing its behaviour.`,
    annotate: `Add type hints to ${agent.fn}() in ${file}.`,
    test: `Write tests for ${file} and make them pass.`,
    report: "Summarise the swarm's changes and get them ready to ship.",
  }
  return tasks[agent.kind]
}

/** The one line a tool result leaves in the next prompt. */
export function toolResultLine(call: ToolCall): string {
  const outcome = call.error !== undefined ? `error: ${call.error}` : JSON.stringify(call.result ?? {})
  const line = `[${call.tool} ${JSON.stringify(call.args)}] ${outcome}`
  return line.length > 300 ? `${line.slice(0, 299)}…` : line
}

/** The prompt excerpt: system line, the task, and the last tool result when there was one. */
export function promptFor(agent: PlannedAgent, last?: ToolCall): string {
  const lines = [`system: ${SYSTEM}`, `user: ${task(agent)}`]
  if (last) lines.push(`tool_result: ${toolResultLine(last)}`)
  return lines.join('\n')
}

const WHY: Record<ToolName, (call: ToolCall) => string> = {
  read_file: (c) => `I'll read ${String(c.args.path)} to see the current code before changing anything.`,
  grep: (c) => `Let me find where \`${String(c.args.pattern)}\` occurs first.`,
  edit_file: (c) => `I'll make the change in ${String(c.args.path)}.`,
  run_tests: (c) => `Now I'll run the tests: \`${String(c.args.command)}\`.`,
  run_linter: (c) => `Running the linter to see what it reports: \`${String(c.args.command)}\`.`,
}

/** The completion excerpt: why the model picks its next tool, after a word on a failed last call. */
export function completionFor(next: ToolCall, last?: ToolCall): string {
  const recovery = last?.error !== undefined ? `The ${last.tool} call failed (${last.error.split('\n')[0]}); trying another way. ` : ''
  return `${recovery}${WHY[next.tool](next)}\ntool_use: ${next.tool} ${JSON.stringify(next.args)}`
}

/** The completion that closes an agent's work, its result in words. */
export const finalCompletion = (result: string) => `Done. ${result}.`

/** The note an agent leaves when it starts: its plan in one line. */
export function planNote(agent: PlannedAgent): string {
  const file = agent.file ? baseName(agent.file) : ''
  const plans: Record<AgentKind, string> = {
    scan: 'grep for definitions under src/, read pyproject.toml, write the index.',
    lint: `run ruff on ${file}, fix the findings, align the docstrings, run ruff again.`,
    refactor: `find the call sites of ${agent.fn}(), simplify its body, keep its behaviour.`,
    annotate: `read ${agent.fn}(), add hints to its signature, check with ruff.`,
    test: `write tests for ${file}, run them, fix what fails.`,
    report: 'read the changes, write CHANGES.md, ask how to ship.',
  }
  return `Plan: ${plans[agent.kind]}`
}
