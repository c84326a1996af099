// The demo's chat-style agent: a support session that works a turn, waits for its user's reply, then works the next.
import { modelCall, toolCall, type Voice } from './steps'
import type { ToolCall } from './tools'
import { toolResultLine } from './prompts'

export const WAITING_REASON = "waiting for the user's reply"

const SYSTEM = "system: You answer questions from acme/tidy's users. You may read the repository, edit it and run its tests."

interface ChatTurn {
  user: string
  /** each call with what the model says before it */
  steps: (ToolCall & { say: string })[]
  reply: string
}

// Two turns of one conversation: the bug report, then the user's follow-up after reading the answer.
const TURNS: readonly ChatTurn[] = [
  {
    user: 'Since 2.3 `tidy --config tidy.toml` crashes with KeyError: \'paths\' when the file has no [paths] table. Can you look?',
    steps: [
      { say: 'Let me find where the config reads [paths].', tool: 'grep', args: { pattern: "\\['paths'\\]", path: 'src/' }, result: { matches: 1, lines: ["src/parser.py:58:    roots = config['paths']['roots']"] } },
      { say: 'One hit in parser.py; reading it.', tool: 'read_file', args: { path: 'src/parser.py' }, result: { lines: 212, excerpt: "def read_config(path):\n    config = tomllib.loads(path.read_text())\n    roots = config['paths']['roots']" } },
    ],
    reply: "Found it: read_config() in src/parser.py reads config['paths'] without a default since 2.3. Until the fix ships, add an empty [paths] table to tidy.toml. Want me to fix it?",
  },
  {
    user: 'Yes please, and add a test so it does not come back.',
    steps: [
      { say: 'Making [paths] optional with src/ as the default root.', tool: 'edit_file', args: { path: 'src/parser.py', old_string: "config['paths']['roots']", new_string: "config.get('paths', {}).get('roots', ['src'])" }, result: { ok: true, lines_changed: 1 } },
      { say: 'Adding a regression test for a config without [paths].', tool: 'edit_file', args: { path: 'tests/test_parser.py', old_string: '', new_string: 'def test_read_config_without_paths(tmp_path):\n    ...' }, result: { ok: true, lines_changed: 6 } },
      { say: 'Running the parser tests.', tool: 'run_tests', args: { command: 'pytest -q tests/test_parser.py' }, result: { passed: 13, failed: 0, output: '13 passed in 0.41s' } },
    ],
    reply: 'Fixed: a config without [paths] now falls back to src/, and test_read_config_without_paths covers it (13 tests pass). It goes out with the next release.',
  },
]

/** One turn: the user's message to the model, its tool calls, the reply; then the session waits for its user. */
async function chatTurn(voice: Voice, name: string, turn: ChatTurn, first: boolean): Promise<void> {
  const { emit } = voice
  emit('agent', 'started', { name })
  if (first) emit('agent', 'note', { text: 'Plan: reproduce the crash from the report, find the line, reply with a workaround.' })
  let prompt = `${SYSTEM}\nuser: ${turn.user}`
  for (const { say, ...step } of turn.steps) {
    await modelCall(voice, { input: prompt, output: `${say}\ntool_use: ${step.tool} ${JSON.stringify(step.args)}` })
    await toolCall(voice, step)
    prompt = `${prompt}\ntool_result: ${toolResultLine(step)}`
  }
  await modelCall(voice, { input: prompt, output: turn.reply })
  emit('agent', 'waiting', { reason: WAITING_REASON })
}

/** The whole session: two turns with the user's think-and-type time between them; it ends waiting for the next reply. */
export async function runChat(voice: Voice, name: string): Promise<void> {
  for (const [i, turn] of TURNS.entries()) {
    if (i > 0) await voice.pause(15_000, 40_000)
    await chatTurn(voice, name, turn, i === 0)
  }
}
