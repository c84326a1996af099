// Failed agents grouped by what broke them: one group per first line of the error, the largest first.
import type { AgentFacts } from './agent-book'

/** Characters of an error's first line kept as its group's key and its badge's text. */
export const ERROR_LINE_LENGTH = 200

/** An error as one line: its first non-blank line, trimmed, cut with "…" past ERROR_LINE_LENGTH. */
export function firstLine(error: string): string {
  const line = error.split(/\r\n|\r|\n/).find((l) => l.trim() !== '')?.trim() ?? ''
  if (line.length <= ERROR_LINE_LENGTH) return line || 'unknown error'
  // Never cut between a surrogate pair: a lone half would not survive the group's link.
  const end = /[\uD800-\uDBFF]/.test(line[ERROR_LINE_LENGTH - 1]!) ? ERROR_LINE_LENGTH - 1 : ERROR_LINE_LENGTH
  return `${line.slice(0, end)}…`
}

export interface ErrorGroup<A = AgentFacts> {
  /** the first line its agents' errors share */
  error: string
  count: number
  /** the first few of them, in order of appearance */
  agents: A[]
}

/** Groups of the failed agents among `agents`, largest first (ties: the one seen first), each keeping its first `keep`. */
export function groupByError(agents: Iterable<AgentFacts>, keep: number): ErrorGroup[] {
  const groups = new Map<string, ErrorGroup>()
  for (const a of agents) {
    if (a.state !== 'failed') continue
    const error = firstLine(a.error ?? '')
    let group = groups.get(error)
    if (!group) groups.set(error, (group = { error, count: 0, agents: [] }))
    group.count++
    if (group.agents.length < keep) group.agents.push(a)
  }
  // A stable sort: equal counts keep the order their first agent appeared in.
  return [...groups.values()].sort((a, b) => b.count - a.count)
}
