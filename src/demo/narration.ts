// What the demo agents conclude: the result sentence of each kind of planned agent, and the answer they fall back on.
import { baseName, type PlannedAgent } from './plan'
import { intBetween, type Rng } from './rng'

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

/** The answer an agent uses when its question timed out: the first option, or "yes". */
export const defaultAnswer = (agent: PlannedAgent): string => agent.asks?.options[0] ?? (agent.asks?.kind === 'approval' ? 'Approved' : 'yes')
