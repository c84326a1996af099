// A run as a graph: its agents (state, name) and their depends_on edges, from a dashboard's actors (live or replayed).
import type { DashboardHandle } from '../machines/dashboard'
import type { AgentStateName } from '../machines/agent-states'
import type { AgentSnapshot } from '../machines/roster'
import type { RunShape } from '../inspector/run-layout'
import { STATE_LABELS } from './agent-book'

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
  tooLarge: boolean
}

export const nodeOf = ({ value, context }: AgentSnapshot): RunGraphNode => ({ agent_id: context.agent_id, name: context.name, state: value, label: STATE_LABELS[value] })

/** The agents of a graph: those its graph:started announced, then those that joined by their own graph_id. */
export function runAgentIds(dashboard: Pick<DashboardHandle, 'actor' | 'agents'>, graphId: string): string[] {
  const announced = dashboard.actor.getSnapshot().context.graphs.get(graphId)?.agent_ids ?? []
  return [...new Set([...announced, ...dashboard.agents.ofGraph(graphId)])].filter((id) => dashboard.agents.get(id) !== undefined)
}

/** The run's graph, or undefined when the dashboard knows no agent of it. O(agents + dependencies) of this run. */
export function runGraphOf(dashboard: Pick<DashboardHandle, 'actor' | 'agents'>, graphId: string): RunGraphModel | undefined {
  const ids = runAgentIds(dashboard, graphId)
  if (!ids.length) return undefined
  const tooLarge = { graph_id: graphId, nodes: [], edges: [], agents: ids.length, tooLarge: true }
  if (ids.length > MAX_GRAPH_NODES) return tooLarge
  const members = new Set(ids)
  const snapshots = ids.map((id) => dashboard.agents.get(id)!.getSnapshot())
  const edges: RunGraphModel['edges'] = []
  for (const s of snapshots)
    for (const dep of new Set(s.context.depends_on)) {
      if (dep !== s.context.agent_id && members.has(dep)) edges.push({ from: dep, to: s.context.agent_id })
      if (edges.length > MAX_GRAPH_EDGES) return tooLarge
    }
  return { graph_id: graphId, nodes: snapshots.map(nodeOf), edges, agents: ids.length, tooLarge: false }
}

/** What the layout depends on: the agents (and the names their boxes are sized for) and the edges. */
export const shapeOf = (model: RunGraphModel): RunShape => ({ nodes: model.nodes.map((n) => ({ id: n.agent_id, label: n.name })), edges: model.edges })
