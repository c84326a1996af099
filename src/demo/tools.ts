// The demo agents' tool calls: the arguments and results a coding agent's tools report, and their occasional errors.
import { baseName, functionOf, type AgentKind, type PlannedAgent } from './plan'
import { intBetween, pick, type Rng } from './rng'

export type ToolName = 'read_file' | 'grep' | 'edit_file' | 'run_tests' | 'run_linter'

/** One call as its events carry it: args on every event, then a result (tool:completed) or an error (tool:failed). */
export interface ToolCall {
  tool: ToolName
  args: Record<string, unknown>
  result?: Record<string, unknown>
  error?: string
}

const TOOLS_BY_KIND: Record<AgentKind, readonly ToolName[]> = {
  scan: ['grep', 'read_file'],
  lint: ['run_linter', 'read_file', 'edit_file'],
  refactor: ['grep', 'read_file', 'edit_file'],
  annotate: ['read_file', 'edit_file', 'run_linter'],
  test: ['edit_file', 'run_tests', 'read_file'],
  report: ['read_file', 'grep', 'edit_file'],
}

// About one call in twelve fails and the agent carries on, as real tools do now and then.
const TOOL_ERROR_RATE = 1 / 12

// The arg name under which an agent's answer shows up in the tool call it makes next.
const ANSWER_ARG: Record<AgentKind, string> = {
  scan: 'choice',
  lint: 'docstring_style',
  refactor: 'rename',
  annotate: 'typing',
  test: 'framework',
  report: 'ship_as',
}

export const testPath = (file: string) => `tests/test_${baseName(file)}`
const targetOf = (agent: PlannedAgent) => (agent.kind === 'test' && agent.file ? testPath(agent.file) : (agent.file ?? 'CHANGES.md'))

/** A few lines of the function the agent works on, as read_file returns them. */
function codeExcerpt(agent: PlannedAgent): string {
  if (!agent.file) return '[project]\nname = "tidy"\nrequires-python = ">=3.10"'
  const fn = functionOf(agent)
  if (agent.kind === 'test') return `from src.${baseName(agent.file).replace(/\.py$/, '')} import ${fn}\n\n\ndef test_${fn}_keeps_value():\n    assert ${fn}('x') == 'x'`
  return `def ${fn}(value, strict=False):\n    if value is None:\n        return None\n    return value`
}

function editArgs(agent: PlannedAgent): Record<string, unknown> {
  const path = targetOf(agent)
  switch (agent.kind) {
    case 'lint':
      return { path, old_string: 'import os, sys', new_string: 'import os\nimport sys' }
    case 'refactor':
      return { path, old_string: '    if value is None:\n        return None\n    return value', new_string: '    return value' }
    case 'annotate':
      return { path, old_string: `def ${agent.fn}(value, strict=False):`, new_string: `def ${agent.fn}(value: str | None, strict: bool = False) -> str | None:` }
    case 'test':
      return { path, old_string: '', new_string: `def test_${functionOf(agent)}_none():\n    assert ${functionOf(agent)}(None) is None` }
    case 'scan':
    case 'report':
      return { path, old_string: '## Unreleased', new_string: '## Unreleased\n\n- Tidied the codebase (lint, types, tests)' }
  }
}

function argsFor(tool: ToolName, agent: PlannedAgent): Record<string, unknown> {
  switch (tool) {
    case 'read_file':
      // a test agent reads its test file, which may not exist yet
      return { path: agent.kind === 'test' ? targetOf(agent) : (agent.file ?? 'pyproject.toml') }
    case 'grep':
      return { pattern: agent.fn ? `\\b${agent.fn}\\(` : '^def ', path: 'src/' }
    case 'edit_file':
      return editArgs(agent)
    case 'run_tests':
      return { command: `pytest -q ${targetOf(agent)}` }
    case 'run_linter':
      return { command: `ruff check ${agent.file ?? 'src/'} --select E,F,D` }
  }
}

export const passingTests = (rng: Rng, framework = 'pytest') => {
  const passed = intBetween(rng, 4, 18)
  const output = framework === 'unittest' ? `Ran ${passed} tests in 0.${intBetween(rng, 10, 99)}s\n\nOK` : `${passed} passed in 0.${intBetween(rng, 10, 99)}s`
  return { passed, failed: 0, output }
}

function resultOf(rng: Rng, tool: ToolName, agent: PlannedAgent): Record<string, unknown> {
  const file = agent.file ?? 'src/cli.py'
  switch (tool) {
    case 'read_file':
      return { lines: agent.kind === 'test' ? intBetween(rng, 8, 60) : intBetween(rng, 40, 400), excerpt: codeExcerpt(agent) }
    case 'grep': {
      const matches = intBetween(rng, 1, 30)
      const hit = agent.fn ? `    return ${agent.fn}(value)` : 'def main(argv=None):'
      return { matches, lines: [`${file}:${intBetween(rng, 10, 200)}:${hit}`, `src/cli.py:${intBetween(rng, 10, 200)}:${hit}`].slice(0, matches) }
    }
    case 'edit_file':
      return { ok: true, lines_changed: intBetween(rng, 1, 12) }
    case 'run_tests':
      return passingTests(rng)
    case 'run_linter': {
      const findings = intBetween(rng, 0, 9)
      const first = `${file}:${intBetween(rng, 1, 120)}:1: D103 Missing docstring in public function`
      return { findings, output: findings === 0 ? 'All checks passed!' : `${first}\nFound ${findings} error${findings === 1 ? '' : 's'}.` }
    }
  }
}

function errorOf(tool: ToolName, args: Record<string, unknown>): string {
  const path = String(args.path)
  switch (tool) {
    case 'read_file':
      return path.startsWith('tests/') ? `FileNotFoundError: [Errno 2] No such file or directory: '${path}'` : `${path} is over the 256 KB read limit; pass offset and limit to read part of it`
    case 'grep':
      return 'grep timed out after 30 s'
    case 'edit_file':
      return `old_string not found in ${path}: the file changed since it was read`
    case 'run_tests':
      return 'pytest timed out after 120 s (collected 14 items)'
    case 'run_linter':
      return 'ruff failed to parse pyproject.toml: unknown field `select-ext`'
  }
}

/** One working step's tool call with its result, or now and then its error. */
export function toolStep(rng: Rng, agent: PlannedAgent): ToolCall {
  const tool = pick(rng, TOOLS_BY_KIND[agent.kind])
  const args = argsFor(tool, agent)
  if (rng() < TOOL_ERROR_RATE) return { tool, args, error: errorOf(tool, args) }
  return { tool, args, result: resultOf(rng, tool, agent) }
}

/** The tool call that applies a human's answer, so the answer is visible in its arguments. */
export function answerStep(rng: Rng, agent: PlannedAgent, answer: string): ToolCall {
  const framework = answer === 'unittest' ? 'unittest' : 'pytest'
  if (agent.kind === 'test') {
    const path = targetOf(agent)
    const command = framework === 'unittest' ? `python -m unittest ${path.replace(/\.py$/, '').replaceAll('/', '.')}` : `pytest -q ${path}`
    return { tool: 'run_tests', args: { command, [ANSWER_ARG.test]: answer }, result: passingTests(rng, framework) }
  }
  return { tool: 'edit_file', args: { ...editArgs(agent), [ANSWER_ARG[agent.kind]]: answer }, result: resultOf(rng, 'edit_file', agent) }
}
