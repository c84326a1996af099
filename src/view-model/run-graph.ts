// A run as a graph: its agents (state, name) and their depends_on edges, from a dashboard's actors (live or replayed).
import type { DashboardHandle } from '../machines/dashboard'
import type { AgentStateName } from '../machines/agent-states'
import type { AgentSnapshot } from '../machines/roster'
import type { RunShape } from '../inspector/run-layout'
import { STATE_LABELS } from './agent-book'
import { askedAt, countStates, progressOf, withPending, type Asked, type Progress } from './agent-counts'

/** Past this many agents the graph is not drawn (unreadable, and costly to lay out): the page links the lists instead. */
export const MAX_GRAPH_NODES = 300
/** the same for dependencies */
export const MAX_GRAPH_EDGES = 3000

export interface RunGraphNode {
  agent_id: string
  name: string
  state: AgentStateName
  label: string
}

export interface RunGraphModel {
  graph_id: string
  /** in order of announcement; empty when too large */
  nodes: RunGraphNode[]
  /** dependency → dependent, both in the run; empty when too large */
  edges: Array<{ from: string; to: string }>
  /** agents in the run */
  agents: number
  /** their numbers, counted as the header counts them (drawn or not) */
  progress: Progress
  tooLarge: boolean
}

/** A pending question, as the graph needs it: whose, when, and the run it was asked in. */
export type RunAsked = Asked & { graph_id?: string }

export const nodeOf = ({ value, context }: AgentSnapshot): RunGraphNode => ({ agent_id: context.agent_id, name: context.name, state: value, label: STATE_LABELS[value] })

/** The agents of a graph: those its graph:started announced, then those that joined by their own graph_id. */
export function runAgentIds(dashboard: Pick<DashboardHandle, 'actor' | 'agents'>, graphId: string): string[] {
  const announced = dashboard.actor.getSnapshot().context.graphs.get(graphId)?.agent_ids ?? []
  return [...new Set([...announced, ...dashboard.agents.ofGraph(graphId)])].filter((id) => dashboard.agents.get(id) !== undefined)
}

/** The run's graph, or undefined when the dashboard knows no agent of it. O(agents + dependencies) of this run. */
export function runGraphOf(dashboard: Pick<DashboardHandle, 'actor' | 'agents'>, graphId: string, pending: readonly RunAsked[] = []): RunGraphModel | undefined {
  const ids = runAgentIds(dashboard, graphId)
  if (!ids.length) return undefined
  const members = new Set(ids)
  const snapshots = ids.map((id) => dashboard.agents.get(id)!.getSnapshot())
  const states = new Map(snapshots.map((s) => [s.context.agent_id, s.value]))
  // An agent of the run that left memory still counts while its question is pending, as in the header.
  const asked = askedAt(pending.filter((q) => members.has(q.agent_id) || (q.graph_id === graphId && !dashboard.agents.get(q.agent_id))))
  const progress = progressOf(withPending(countStates(states.values()), asked, (id) => states.get(id)))
  const tooLarge = { graph_id: graphId, nodes: [], edges: [], agents: ids.length, progress, tooLarge: true }
  if (ids.length > MAX_GRAPH_NODES) return tooLarge
  const edges: RunGraphModel['edges'] = []
  for (const s of snapshots)
    for (const dep of new Set(s.context.depends_on)) {
      if (dep !== s.context.agent_id && members.has(dep)) edges.push({ from: dep, to: s.context.agent_id })
      if (edges.length > MAX_GRAPH_EDGES) return tooLarge
    }
  return { graph_id: graphId, nodes: snapshots.map(nodeOf), edges, agents: ids.length, progress, tooLarge: false }
}

/** A run with no agent known: drawn empty. */
export const emptyRunGraph = (graphId: string): RunGraphModel => ({ graph_id: graphId, nodes: [], edges: [], agents: 0, progress: progressOf({}), tooLarge: false })

/** What the layout depends on: the agents (and the names their boxes are sized for) and the edges. */
export const shapeOf = (model: RunGraphModel): RunShape => ({ nodes: model.nodes.map((n) => ({ id: n.agent_id, label: n.name })), edges: model.edges })
