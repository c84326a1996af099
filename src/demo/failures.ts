// How a demo agent fails: the last step that went wrong, and the multi-line error its agent:failed carries.
import { baseName, functionOf, type PlannedAgent } from './plan'
import { intBetween, pick, type Rng } from './rng'
import { testPath, type ToolCall } from './tools'

/**
 * The step before the failure (a tool call, or a model call the API refused) and the error: a first
 * line that says what happened (the part a badge shows), then the excerpt a person would read next.
 */
export interface PlannedFailure {
  step: { kind: 'tool'; call: ToolCall } | { kind: 'model'; error: string }
  error: string
}

function failingTests(rng: Rng, agent: PlannedAgent): PlannedFailure {
  const path = testPath(agent.file ?? 'src/utils.py')
  const failed = intBetween(rng, 2, 4)
  const passed = intBetween(rng, 5, 14)
  const fn = functionOf(agent)
  const summary = `=== ${failed} failed, ${passed} passed in 0.${intBetween(rng, 40, 99)}s ===`
  const traceback = [
    `___________________ test_${fn}_none ___________________`,
    '',
    `    def test_${fn}_none():`,
    `>       assert ${fn}(None) is None`,
    `E       TypeError: ${fn}() missing 1 required positional argument: 'strict'`,
    '',
    `${path}:${intBetween(rng, 12, 90)}: TypeError`,
    summary,
  ].join('\n')
  return {
    step: { kind: 'tool', call: { tool: 'run_tests', args: { command: `pytest -q ${path}` }, result: { passed, failed, output: `${failed} failed, ${passed} passed\nFAILED ${path}::test_${fn}_none` } } },
    error: `pytest exited with 1: ${failed} tests failed\n\n${traceback}`,
  }
}

function syntaxError(rng: Rng, agent: PlannedAgent): PlannedFailure {
  const path = agent.file ?? 'src/cli.py'
  const line = intBetween(rng, 20, 200)
  const first = `ruff exited with 2: E999 SyntaxError in ${baseName(path)} line ${line}`
  const excerpt = [`  --> ${path}:${line}:21`, '   |', `${line} |     return {**defaults **overrides}`, '   |                     ^ Expected `,`, found `**`']
  return { step: { kind: 'tool', call: { tool: 'run_linter', args: { command: `ruff check ${path}` }, error: first } }, error: [first, ...excerpt].join('\n') }
}

function staleFile(rng: Rng, agent: PlannedAgent): PlannedFailure {
  const path = agent.file ?? 'CHANGES.md'
  const first = `edit_file failed 3 times: ${path} changed on disk since it was read`
  const read = 1_764_000_000 + intBetween(rng, 0, 99_999)
  const traceback = [
    'Traceback (most recent call last):',
    '  File "agent/tools.py", line 114, in edit_file',
    '    raise StaleFileError(path, expected=read_mtime, found=mtime)',
    `agent.tools.StaleFileError: ${path}: read at mtime ${read}, now ${read + intBetween(rng, 5, 90)}`,
  ]
  return { step: { kind: 'tool', call: { tool: 'edit_file', args: { path, old_string: 'import os, sys', new_string: 'import os\nimport sys' }, error: first } }, error: [first, ...traceback].join('\n') }
}

function contextExceeded(rng: Rng): PlannedFailure {
  const tokens = 200_000 + intBetween(rng, 1_000, 9_000)
  const first = `model API error 400: prompt is too long: ${tokens.toLocaleString('en')} tokens > 200,000 maximum`
  const detail = ['  type: invalid_request_error', `  request_id: req_${intBetween(rng, 10 ** 8, 10 ** 9 - 1)}`, `  while reading the results of ${intBetween(rng, 20, 60)} tool calls`]
  return { step: { kind: 'model', error: first }, error: [first, ...detail].join('\n') }
}

/** A plausible failure for the agent's kind: a test agent's tests fail; others hit a syntax error, a stale file or the context limit. */
export function failureFor(rng: Rng, agent: PlannedAgent): PlannedFailure {
  if (agent.kind === 'test') return failingTests(rng, agent)
  return pick(rng, [syntaxError, staleFile, (r: Rng) => contextExceeded(r)])(rng, agent)
}
