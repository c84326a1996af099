// Which agents the page shows one by one, and which it only counts: bounded whatever the swarm's size.
import { isWorkingState, WORKING_AGENT_STATES, type AgentStateName } from '../machines/agent-states'
import { STATE_LABELS, viewOf, type AgentBook, type AgentFacts, type AgentView, type StateCounts } from './agent-book'

/** Up to this many agents, every one has its badge, in order of appearance (a run of 20 looks as it always did). */
export const SHOW_ALL_UP_TO = 100
/** Past that, each group shown one by one (waiting for an answer, working, failed) shows at most this many. */
export const GROUP_CAP = 100

/** Shown one by one in a large swarm, in this order: what needs a person, what works, what broke. */
const INDIVIDUAL: ReadonlyArray<readonly AgentStateName[]> = [['blocked'], WORKING_AGENT_STATES, ['failed']]
/** Only counted in a large swarm (their lists are a click away, paginated). */
const COUNTED: readonly AgentStateName[] = ['done', 'idle', 'skipped', 'cancelled']

export interface StateCount {
  state: AgentStateName
  label: string
  count: number
  /** of them, how many have no badge on the page */
  hidden: number
}

export interface AgentPanel {
  /** the badges on the page, in display order */
  shown: AgentView[]
  grouped: boolean
  /** every state with agents in it, with how many are not shown */
  counts: StateCount[]
  total: number
}

/** The panel from the book: touches the shown badges and the counts, never the whole swarm. */
export function agentPanel(book: AgentBook, now: number, quietMs: number): AgentPanel {
  const grouped = book.size > SHOW_ALL_UP_TO
  const counts = book.stateCounts()
  let shown: AgentFacts[]
  if (!grouped) shown = book.first(SHOW_ALL_UP_TO)
  else
    shown = INDIVIDUAL.flatMap((states) => {
      const group: AgentFacts[] = []
      for (const s of states) group.push(...book.inState(s, GROUP_CAP - group.length))
      return group
    })
  const onPage: StateCounts = {}
  for (const a of shown) onPage[a.state] = (onPage[a.state] ?? 0) + 1
  const stateCounts = [...INDIVIDUAL.flat(), ...COUNTED].flatMap((state) => {
    const count = counts[state] ?? 0
    return count ? [{ state, label: STATE_LABELS[state], count, hidden: count - (onPage[state] ?? 0) }] : []
  })
  return { shown: shown.map((a) => viewOf(a, now, quietMs)), grouped, counts: stateCounts, total: book.size }
}

/** Agents matching a name or id filter and a state, one page of them: the /agents page. */
export function agentPage(
  agents: Iterable<AgentFacts>,
  { q, state, page, size, now, quietMs }: { q?: string; state?: AgentStateName; page: number; size: number; now: number; quietMs: number },
) {
  const needle = q?.toLowerCase()
  const matching: AgentFacts[] = []
  for (const a of agents)
    if ((!state || a.state === state || (state === 'running' && isWorkingState(a.state))) && (!needle || a.name.toLowerCase().includes(needle) || a.agent_id.toLowerCase().includes(needle)))
      matching.push(a)
  return { agents: matching.slice(page * size, (page + 1) * size).map((a) => viewOf(a, now, quietMs)), total: matching.length }
}
