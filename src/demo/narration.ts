// What the demo agents say: plausible tool calls, results and errors for each kind of planned agent.
import { baseName, type AgentKind, type PlannedAgent } from './plan'
import { intBetween, pick, type Rng } from './rng'

export type ToolName = 'ruff' | 'pytest' | 'read_file' | 'write_file' | 'grep'

export interface ToolCall {
  tool: ToolName
  args: Record<string, unknown>
}

const TOOLS_BY_KIND: Record<AgentKind, readonly ToolName[]> = {
  scan: ['grep', 'read_file'],
  lint: ['ruff', 'read_file', 'write_file'],
  refactor: ['grep', 'read_file', 'write_file'],
  annotate: ['read_file', 'write_file', 'ruff'],
  test: ['write_file', 'pytest', 'read_file'],
  report: ['read_file', 'grep', 'write_file'],
}

// The arg name under which an agent's answer shows up in the tool call it makes next.
const ANSWER_ARG: Record<AgentKind, string> = {
  scan: 'choice',
  lint: 'docstring_style',
  refactor: 'rename',
  annotate: 'typing',
  test: 'framework',
  report: 'ship_as',
}

const testPath = (file: string) => `tests/test_${baseName(file)}`

function argsFor(tool: ToolName, agent: PlannedAgent): Record<string, unknown> {
  const target = agent.kind === 'test' && agent.file ? testPath(agent.file) : (agent.file ?? 'src/')
  switch (tool) {
    case 'ruff':
      return { path: agent.file ?? 'src/', select: 'E,F,D' }
    case 'pytest':
      return { path: target, quiet: true }
    case 'read_file':
      return { path: agent.file ?? 'pyproject.toml' }
    case 'write_file':
      return { path: agent.file ? target : 'CHANGES.md' }
    case 'grep':
      return { pattern: agent.fn ? `\\b${agent.fn}\\(` : '^def ', path: 'src/' }
  }
}

function resultOf(rng: Rng, tool: ToolName): string {
  switch (tool) {
    case 'ruff':
      return `${intBetween(rng, 0, 9)} findings`
    case 'pytest':
      return `${intBetween(rng, 4, 18)} passed`
    case 'read_file':
      return `${intBetween(rng, 40, 400)} lines`
    case 'write_file':
      return `${intBetween(rng, 300, 6000)} bytes written`
    case 'grep':
      return `${intBetween(rng, 1, 30)} matches`
  }
}

/** One working step's tool call, with the result its tool:completed reports. */
export function toolStep(rng: Rng, agent: PlannedAgent): ToolCall & { result: string } {
  const tool = pick(rng, TOOLS_BY_KIND[agent.kind])
  return { tool, args: argsFor(tool, agent), result: resultOf(rng, tool) }
}

/** The tool call that applies a human's answer, so the answer is visible in the event log. */
export function answerStep(agent: PlannedAgent, answer: string): ToolCall {
  const tool: ToolName = agent.kind === 'test' ? 'pytest' : 'write_file'
  return { tool, args: { ...argsFor(tool, agent), [ANSWER_ARG[agent.kind]]: answer } }
}

/** The short human sentence an agent:completed carries. */
export function resultFor(rng: Rng, agent: PlannedAgent, answer?: string): string {
  const file = agent.file ? baseName(agent.file) : ''
  const n = intBetween(rng, 2, 9)
  switch (agent.kind) {
    case 'scan':
      return `Indexed ${intBetween(rng, 12, 40)} Python files, ${intBetween(rng, 80, 300)} functions`
    case 'lint':
      return answer ? `Added ${answer}-style docstrings to ${n} functions in ${file}` : `Fixed ${n} ruff findings in ${file}`
    case 'refactor':
      if (answer === 'yes') return `Renamed ${agent.fn} to ${agent.rename_to} (${n} call sites)`
      if (answer === 'no') return `Kept ${agent.fn}; extracted ${n} lines into a helper`
      return `Simplified ${agent.fn}() (−${n * 3} lines)`
    case 'annotate':
      return `Added ${answer ?? 'gradual'} type hints to ${agent.fn}()`
    case 'test':
      return `Wrote ${n + 3} ${answer ?? 'pytest'} tests for ${file}, all passing`
    case 'report':
      return answer === 'branch only' ? 'Pushed the changes to branch remora/demo' : `Opened a pull request touching ${n + 4} files`
  }
}

/** Why an agent failed: a plausible error for its kind. */
export function errorFor(rng: Rng, agent: PlannedAgent): string {
  const file = agent.file ? baseName(agent.file) : 'the repository'
  if (agent.kind === 'test') return `pytest: ${intBetween(rng, 1, 3)} failed, ${intBetween(rng, 4, 12)} passed in ${testPath(agent.file ?? '')}`
  return pick(rng, [
    `ruff: E999 SyntaxError in ${file} line ${intBetween(rng, 10, 200)}`,
    `write_file: ${file} changed on disk since it was read`,
    'model: context window exceeded (200k tokens)',
  ])
}

/** The answer an agent uses when its question timed out: the first option, or "yes". */
export const defaultAnswer = (agent: PlannedAgent): string => agent.asks?.options[0] ?? (agent.asks?.kind === 'approval' ? 'Approved' : 'yes')
