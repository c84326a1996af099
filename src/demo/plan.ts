// The demo swarm's plan: a pure, seedable dependency graph of ~20 agents over a made-up Python codebase.
import type { FormSchema } from '../protocol/form'
import { intBetween, pick, sample, type Rng } from './rng'

/** The chat-style agent each run has beside its graph. */
export const CHAT_NAME = 'Support chat'

export type AgentKind = 'scan' | 'lint' | 'refactor' | 'annotate' | 'test' | 'report'

export interface PlannedQuestion {
  question: string
  options: string[]
  /** approval and form questions show how the page answers anything; options/text the default */
  kind?: 'approval' | 'form'
  schema?: FormSchema
  /** markdown the card shows above the question */
  context?: string
}

/** How the report agent asks to ship: a form. */
export const SHIP_FORM: FormSchema = {
  type: 'object',
  properties: {
    target: { type: 'string', title: 'Ship as', enum: ['pull request', 'branch only'], enumNames: ['A pull request', 'A branch only'] },
    title: { type: 'string', title: 'Title', maxLength: 120, default: 'Tidy the codebase' },
    draft: { type: 'boolean', title: 'Open as a draft', default: true },
  },
  required: ['target'],
}

export interface PlannedAgent {
  agent_id: string
  name: string
  kind: AgentKind
  depends_on: string[]
  /** how many tool + model round trips the agent makes */
  steps: number
  /** the file (and function) it works on; absent for the repo-wide scan and report */
  file?: string
  fn?: string
  /** the name a refactor would give `fn` */
  rename_to?: string
  asks?: PlannedQuestion
  fails?: boolean
}

export interface Plan {
  run: number
  graph_id: string
  agents: PlannedAgent[]
  /** the run's chat-style agent: not in the graph (it answers its own user), so not in `agents` */
  chat: { agent_id: string; name: string }
}

interface SourceFile {
  path: string
  /** function name → the name a refactor would suggest */
  functions: Record<string, string>
}

const CODEBASE: readonly SourceFile[] = [
  { path: 'src/utils.py', functions: { slugify: 'to_slug', chunked: 'batched', retry: 'with_retry', load_json: 'read_json', merge_dicts: 'deep_merge' } },
  { path: 'src/parser.py', functions: { tokenize: 'lex', parse_expr: 'parse_expression', parse_args: 'parse_cli_args', read_config: 'load_config', unquote: 'strip_quotes' } },
  { path: 'src/cli.py', functions: { main: 'run_cli', build_parser: 'make_arg_parser', run_command: 'dispatch', print_table: 'render_table', confirm: 'ask_yes_no' } },
  { path: 'src/models.py', functions: { validate_email: 'check_email', to_dict: 'as_dict', from_row: 'from_db_row', full_name: 'display_name', is_active: 'active' } },
  { path: 'src/storage.py', functions: { open_db: 'connect', save_record: 'upsert', query_records: 'select_records', migrate: 'apply_migrations', backup: 'snapshot' } },
]

// Files per run and functions per file are chosen so a run has 17–23 agents: about 20.
const FILES_PER_RUN = 3
const MIN_FNS = 3
const MAX_FNS = 5
const ASK_RATIO = 1 / 5
const FAIL_RATE = 1 / 20

export const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1)

/** The function an agent's excerpts show: its own, else its file's first (lint and test agents work on a whole file). */
export const functionOf = (agent: Pick<PlannedAgent, 'fn' | 'file'>): string =>
  agent.fn ?? Object.keys(CODEBASE.find((f) => f.path === agent.file)?.functions ?? {})[0] ?? 'main'
const stem = (path: string) => baseName(path).replace(/\.py$/, '')

function questionFor(agent: PlannedAgent): PlannedQuestion | undefined {
  const file = agent.file ? baseName(agent.file) : ''
  switch (agent.kind) {
    case 'lint':
      return {
        question: `Which docstring style for ${file}?`,
        options: ['google', 'numpy', 'sphinx'],
        context: `\`${file}\` mixes styles: some functions use **Google** sections (\`Args:\`), others **NumPy** underlines. Pick one and the linter rewrites the rest.`,
      }
    case 'refactor':
      return {
        question: `Rename \`${agent.fn}\` to \`${agent.rename_to}\`?`,
        options: [],
        kind: 'approval',
        context: `The new name matches the rest of \`${file}\`. Every call site in the repo is updated in the same commit.`,
      }
    case 'annotate':
      return { question: `Type hints for \`${agent.fn}\` in ${file}: strict or gradual?`, options: ['strict', 'gradual'] }
    case 'test':
      return { question: `Tests for ${file}: pytest or unittest?`, options: ['pytest', 'unittest'] }
    case 'report':
      return { question: 'How should the changes ship?', options: [], kind: 'form', schema: SHIP_FORM, context: 'All checks passed. Choose where the changes go.' }
    case 'scan':
      return undefined
  }
}

function fileAgents(rng: Rng, prefix: string, file: SourceFile, scanId: string): PlannedAgent[] {
  const s = stem(file.path)
  const lint: PlannedAgent = {
    agent_id: `${prefix}-lint-${s}`, name: `Lint & document ${baseName(file.path)}`, kind: 'lint',
    depends_on: [scanId], steps: intBetween(rng, 2, 4), file: file.path,
  }
  const fns = sample(rng, Object.keys(file.functions), intBetween(rng, MIN_FNS, MAX_FNS))
  const perFn = fns.map((fn): PlannedAgent => {
    const kind = pick(rng, ['refactor', 'annotate'] as const)
    return {
      agent_id: `${prefix}-${kind}-${s}-${fn}`, name: `${kind === 'refactor' ? 'Refactor' : 'Annotate'} ${fn}()`, kind,
      depends_on: [lint.agent_id], steps: intBetween(rng, 2, 5), file: file.path, fn, rename_to: file.functions[fn],
    }
  })
  const test: PlannedAgent = {
    agent_id: `${prefix}-test-${s}`, name: `Test ${baseName(file.path)}`, kind: 'test',
    depends_on: perFn.map((a) => a.agent_id), steps: intBetween(rng, 3, 5), file: file.path,
  }
  return [lint, ...perFn, test]
}

/** The graph ids of demo runs started with a tag begin with this: a new demo knows an old one's questions. */
export const DEMO_GRAPH_PREFIX = 'demo-'

/**
 * A run's plan: scan → per file (lint → per-function agents → tests) → report. Same rng state, same
 * plan. A `tag` (one per start of the demo) keeps a restarted demo's ids apart from the last one's.
 */
export function makePlan(rng: Rng, runNo: number, tag?: string): Plan {
  const prefix = tag ? `${tag}-r${runNo}` : `r${runNo}`
  const scan: PlannedAgent = { agent_id: `${prefix}-scan`, name: 'Index repository', kind: 'scan', depends_on: [], steps: 2 }
  const perFile = sample(rng, CODEBASE, FILES_PER_RUN).flatMap((file) => fileAgents(rng, prefix, file, scan.agent_id))
  const report: PlannedAgent = {
    agent_id: `${prefix}-report`, name: 'Summarise changes', kind: 'report',
    depends_on: perFile.filter((a) => a.kind === 'test').map((a) => a.agent_id), steps: 2,
  }
  const agents = [scan, ...perFile, report]
  // The scan never fails or asks: every other agent depends on it, so it would blank the whole run.
  const eligible = agents.slice(1)
  for (const agent of sample(rng, eligible, Math.round(agents.length * ASK_RATIO))) agent.asks = questionFor(agent)
  for (const agent of eligible) if (rng() < FAIL_RATE) agent.fails = true
  // A run that drew no failure still shows one (a test agent that asks nothing): a first look at the demo sees what a
  // failure looks like. Chosen without the rng, so every other draw (and so each seed's plan) stays as it was.
  if (!agents.some((a) => a.fails)) {
    const test = eligible.find((a) => a.kind === 'test' && !a.asks)
    if (test) test.fails = true
  }
  const chat = { agent_id: `${prefix}-chat`, name: CHAT_NAME }
  return { run: runNo, graph_id: tag ? `${DEMO_GRAPH_PREFIX}${tag}-run-${runNo}` : `run-${runNo}`, agents, chat }
}
