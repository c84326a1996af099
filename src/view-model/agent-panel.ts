// Which agents the page shows one by one, and which it only counts: bounded whatever the swarm's size.
import { isWorkingState, WORKING_AGENT_STATES, type AgentStateName } from '../machines/agent-states'
import { STATE_LABELS, viewOf, type AgentBook, type AgentFacts, type AgentView, type StateCounts } from './agent-book'
import { asShown, countedAs, countOf, countStates, progressOf, runningNote, type CountedAs } from './agent-counts'
import { firstLine, groupByError, type ErrorGroup } from './error-groups'
import { waitingOn } from './holdups'

/** Up to this many agents, every one has its badge, in order of appearance (a run of 20 looks as it always did). */
export const SHOW_ALL_UP_TO = 100
/** Past that, each group shown one by one (waiting for an answer, failed, working) shows at most this many. */
export const GROUP_CAP = 100

/**
 * Shown one by one in a large swarm, in this order: what needs a person, what broke, what works. Failed before
 * working: behind 100 running badges a failure sat about 3,300 px down the page.
 */
const INDIVIDUAL: ReadonlyArray<readonly AgentStateName[]> = [['blocked'], ['failed'], WORKING_AGENT_STATES]
/** Only counted in a large swarm (their lists are a click away, paginated). */
const COUNTED: readonly AgentStateName[] = ['done', 'idle', 'waiting', 'skipped', 'cancelled']

export interface StateCount {
  /** counted as (agent-counts.ts): "running" holds "answer received" */
  state: CountedAs
  label: string
  count: number
  /** what the count holds beyond its label ("incl. 30 answer received") */
  note?: string
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

/** How the panel counts: the counts as shown (withPending) and when each agent's pending question was asked. */
export interface PanelCounts {
  counts?: Readonly<StateCounts>
  asked?: ReadonlyMap<string, number>
}

/** The panel from the book: touches the shown badges and the counts, never the whole swarm. */
export function agentPanel(book: AgentBook, now: number, quietMs: number, { counts = book.stateCounts(), asked = new Map() }: PanelCounts = {}): AgentPanel {
  const grouped = book.size > SHOW_ALL_UP_TO
  let shown: AgentFacts[]
  if (!grouped) shown = book.first(SHOW_ALL_UP_TO)
  else
    shown = INDIVIDUAL.flatMap((states) => {
      const group: AgentFacts[] = []
      for (const s of states) group.push(...book.inState(s, GROUP_CAP - group.length))
      return group
    })
  const views = shown.map((a) => asShown(viewWithHoldup(a, book, now, quietMs), asked))
  const onPage = progressOf(countStates(views.map((a) => a.state)))
  const progress = progressOf(counts)
  const stateCounts = [...new Set([...INDIVIDUAL.flat(), ...COUNTED].map(countedAs))].flatMap((state): StateCount[] => {
    const count = countOf(progress, state)
    if (!count) return []
    const note = state === 'running' ? runningNote(progress) : undefined
    return [{ state, label: STATE_LABELS[state], count, hidden: count - countOf(onPage, state), ...(note ? { note } : {}) }]
  })
  return { shown: views, grouped, counts: stateCounts, total: progress.total }
}

/** An agent's view, saying which dependency it waits on when that one is blocked or failed. */
export function viewWithHoldup(agent: AgentFacts, book: AgentBook, now: number, quietMs: number): AgentView {
  const view = viewOf(agent, now, quietMs)
  const on = waitingOn(agent, book)
  return on ? { ...view, waiting_on: on } : view
}

/** Failed agents' groups a page of /agents?state=failed shows, and the badges each group shows. */
export const ERROR_GROUPS_PER_PAGE = 50
export const ERROR_GROUP_SHOWN = 10

export interface AgentListFilter {
  q?: string
  state?: AgentStateName
  /** a run's agents only */
  run?: string
  /** failed agents whose error's first line is this one */
  error?: string
}

export interface AgentPage {
  agents: AgentView[]
  /** agents matching */
  total: number
  /** failed agents, no error chosen: their groups by error, one page of them (`agents` is then empty) */
  groups?: ErrorGroup<AgentView>[]
  /** how many groups in all */
  groupCount?: number
}

const matcher = ({ q, state, run, error }: AgentListFilter) => {
  const needle = q?.toLowerCase()
  const wanted = error !== undefined ? 'failed' : state
  return (a: AgentFacts) =>
    (!wanted || a.state === wanted || (wanted === 'running' && isWorkingState(a.state))) &&
    (run === undefined || a.graph_id === run) &&
    (error === undefined || firstLine(a.error ?? '') === error) &&
    (!needle || a.name.toLowerCase().includes(needle) || a.agent_id.toLowerCase().includes(needle))
}

/**
 * Agents matching a filter, one page of them: the /agents page (a scan per request, never per flush). Failed
 * agents with no error chosen come grouped by the first line of their error, largest group first.
 */
export function agentPage(book: AgentBook, filter: AgentListFilter & { page: number; size: number; now: number; quietMs: number }): AgentPage {
  const { page, size, now, quietMs } = filter
  const matches = matcher(filter)
  const matching: AgentFacts[] = []
  for (const a of book.all()) if (matches(a)) matching.push(a)
  const view = (a: AgentFacts) => viewWithHoldup(a, book, now, quietMs)
  if (filter.state === 'failed' && filter.error === undefined) {
    const groups = groupByError(matching, ERROR_GROUP_SHOWN)
    const shown = groups.slice(page * ERROR_GROUPS_PER_PAGE, (page + 1) * ERROR_GROUPS_PER_PAGE)
    return { agents: [], total: matching.length, groups: shown.map((g) => ({ ...g, agents: g.agents.map(view) })), groupCount: groups.length }
  }
  return { agents: matching.slice(page * size, (page + 1) * size).map(view), total: matching.length }
}
