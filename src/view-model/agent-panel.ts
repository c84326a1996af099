// Which agents the page shows one by one, and which it only counts: bounded whatever the swarm's size.
import type { AgentStateName } from '../machines/agent.machine'
import { STATE_LABELS, type AgentView } from './derive'

/** Up to this many agents, every one has its badge, in order of appearance (a run of 20 looks as it always did). */
export const SHOW_ALL_UP_TO = 100
/** Past that, each group shown one by one (waiting for an answer, working, failed) shows at most this many. */
export const GROUP_CAP = 100

/** Shown one by one in a large swarm, in this order: what needs a person, what works, what broke. */
const INDIVIDUAL: ReadonlyArray<readonly AgentStateName[]> = [['blocked'], ['running', 'resumed'], ['failed']]
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

export function agentPanel(agents: readonly AgentView[]): AgentPanel {
  const byState = new Map<AgentStateName, AgentView[]>()
  for (const a of agents) {
    const list = byState.get(a.state)
    if (list) list.push(a)
    else byState.set(a.state, [a])
  }
  const grouped = agents.length > SHOW_ALL_UP_TO
  const shown = grouped ? INDIVIDUAL.flatMap((states) => states.flatMap((s) => byState.get(s) ?? []).slice(0, GROUP_CAP)) : [...agents]
  const onPage = new Set(shown.map((a) => a.agent_id))
  const counts = [...INDIVIDUAL.flat(), ...COUNTED].flatMap((state) => {
    const members = byState.get(state) ?? []
    if (!members.length) return []
    return [{ state, label: STATE_LABELS[state], count: members.length, hidden: members.filter((a) => !onPage.has(a.agent_id)).length }]
  })
  return { shown, grouped, counts, total: agents.length }
}

/** Agents matching a name or id filter and a state, one page of them: the /agents page. */
export function agentPage(agents: readonly AgentView[], { q, state, page, size }: { q?: string; state?: AgentStateName; page: number; size: number }) {
  const needle = q?.toLowerCase()
  const matching = agents.filter(
    (a) => (!state || a.state === state || (state === 'running' && a.state === 'resumed')) && (!needle || a.name.toLowerCase().includes(needle) || a.agent_id.toLowerCase().includes(needle)),
  )
  return { agents: matching.slice(page * size, (page + 1) * size), total: matching.length }
}
