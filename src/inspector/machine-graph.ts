// A machine definition as a drawable graph: states and grouped transitions from xstate/graph, laid out by elkjs once per definition.
import ELK from 'elkjs/lib/elk.bundled.js'
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api'
import type { AnyStateMachine } from 'xstate'
import { toDirectedGraph, type DirectedGraphNode } from 'xstate/graph'

export interface Point {
  x: number
  y: number
}

export interface GraphState {
  /** the state node's id, e.g. `agent.running` */
  id: string
  label: string
  final: boolean
  initial: boolean
  /** the one event every transition into this final state takes, drawn in the box instead of on each arrow */
  caption: string | undefined
  x: number
  y: number
  width: number
  height: number
}

export interface GraphEdge {
  id: string
  source: string
  target: string
  /** event types that take this transition */
  events: string[]
  label: string
  points: Point[]
  labelBox: { x: number; y: number; width: number; height: number } | undefined
}

export interface MachineLayout {
  machineId: string
  states: GraphState[]
  edges: GraphEdge[]
  /** the initial-state dot's centre, and the arrow from it */
  start: { dot: Point; points: Point[] } | undefined
  width: number
  height: number
  /** how long elk took, ms */
  layoutMs: number
}

// Monospace-ish estimates: the SVG uses a system font, so boxes are sized generously.
const CHAR_W = 7.2
const NODE_H = 34
const LABEL_H = 14
const START = '__start'

function collect(node: DirectedGraphNode, out: DirectedGraphNode[] = []): DirectedGraphNode[] {
  for (const child of node.children) {
    out.push(child)
    collect(child, out)
  }
  return out
}

/** Four or more events sharing a prefix read as `PREFIX_*`. */
export function edgeLabel(events: readonly string[]): string {
  const byPrefix = new Map<string, string[]>()
  for (const e of events) {
    const prefix = e.includes('_') ? e.slice(0, e.indexOf('_')) : e
    byPrefix.set(prefix, [...(byPrefix.get(prefix) ?? []), e])
  }
  return [...byPrefix].flatMap(([prefix, list]) => (list.length >= 4 ? [`${prefix}_*`] : list)).join(' · ')
}

interface GroupedEdge {
  source: string
  target: string
  events: string[]
}

/** Transitions grouped per (source, target). Targetless ones change context only and `*` catches misfits: neither is drawn. */
function groupEdges(states: DirectedGraphNode[]): GroupedEdge[] {
  const groups = new Map<string, GroupedEdge>()
  for (const state of states)
    for (const edge of state.edges) {
      const type = edge.transition.eventType
      if (!edge.transition.target?.length || type === '*') continue
      const k = `${edge.source.id}→${edge.target.id}`
      const group = groups.get(k) ?? { source: edge.source.id, target: edge.target.id, events: [] }
      if (!group.events.includes(type)) group.events.push(type)
      groups.set(k, group)
    }
  return [...groups.values()]
}

function stateLabel(machineId: string, id: string) {
  return id.startsWith(`${machineId}.`) ? id.slice(machineId.length + 1) : id
}

/** A final state, or one its machine tags as an end (an agent's ended states, which a next turn may leave). */
const isEnd = (node: { type: string; tags: readonly string[] }) => node.type === 'final' || node.tags.includes('ended')

/**
 * Final states reached by one event from everywhere (AGENT_SKIPPED → skipped) would repeat that label on
 * every arrow; they carry it as a caption instead, and their arrows go unlabelled.
 */
function finalCaptions(states: DirectedGraphNode[], edges: GroupedEdge[]): Map<string, string> {
  const captions = new Map<string, string>()
  for (const state of states) {
    if (!isEnd(state.stateNode)) continue
    const labels = new Set(edges.filter((e) => e.target === state.id).map((e) => edgeLabel(e.events)))
    if (labels.size === 1) captions.set(state.id, [...labels][0]!)
  }
  return captions
}

function elkGraph(machineId: string, states: DirectedGraphNode[], edges: GroupedEdge[], initial: string | undefined, captions: Map<string, string>): ElkNode {
  const children: ElkNode[] = states.map((s) => {
    const caption = captions.get(s.id)
    const width = Math.max(84, stateLabel(machineId, s.id).length * CHAR_W + 28, caption ? caption.length * 6.2 + 20 : 0)
    return { id: s.id, width, height: caption ? NODE_H + LABEL_H : NODE_H }
  })
  const elkEdges: ElkExtendedEdge[] = edges.map((e, i) => {
    const text = captions.has(e.target) ? '' : edgeLabel(e.events)
    const labels = text ? [{ text, width: text.length * 6.2 + 6, height: LABEL_H }] : []
    return { id: `e${i}`, sources: [e.source], targets: [e.target], labels }
  })
  if (initial) {
    children.push({ id: START, width: 10, height: 10 })
    elkEdges.push({ id: 'start', sources: [START], targets: [initial] })
  }
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'ORTHOGONAL',
      // Transitions into one final state share their last segment: far fewer parallel lines.
      'elk.layered.mergeEdges': 'true',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.spacing.nodeNode': '28',
      'elk.spacing.edgeLabel': '4',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.padding': '[top=16,left=16,bottom=16,right=16]',
    },
    children,
    edges: elkEdges,
  }
}

function pointsOf(edge: ElkExtendedEdge): Point[] {
  return (edge.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint])
}

const elk = new ELK()

/** Lay out a machine definition (async: elk's API is). Use `machineLayout` for the cached one. */
export async function layoutMachine(machine: AnyStateMachine): Promise<MachineLayout> {
  const graph = toDirectedGraph(machine)
  const machineId = graph.id
  const nodes = collect(graph)
  const grouped = groupEdges(nodes)
  const initialKey = machine.root.initial?.target?.[0]?.id
  const started = performance.now()
  const captions = finalCaptions(nodes, grouped)
  const laid = await elk.layout(elkGraph(machineId, nodes, grouped, initialKey, captions))
  const layoutMs = performance.now() - started
  const byId = new Map((laid.children ?? []).map((c) => [c.id, c]))
  const states: GraphState[] = nodes.map((n) => {
    const box = byId.get(n.id)!
    const final = isEnd(n.stateNode)
    return { id: n.id, label: stateLabel(machineId, n.id), final, initial: n.id === initialKey, caption: captions.get(n.id), x: box.x!, y: box.y!, width: box.width!, height: box.height! }
  })
  const laidEdges = laid.edges ?? []
  const edges: GraphEdge[] = grouped.map((g, i) => {
    const e = laidEdges.find((x) => x.id === `e${i}`)!
    const label = e.labels?.[0]
    const labelBox = label ? { x: label.x!, y: label.y!, width: label.width!, height: label.height! } : undefined
    const text = captions.has(g.target) ? '' : edgeLabel(g.events)
    return { id: `e${i}`, source: g.source, target: g.target, events: g.events, label: text, points: pointsOf(e), labelBox }
  })
  const startBox = byId.get(START)
  const startEdge = laidEdges.find((x) => x.id === 'start')
  const start = startBox && startEdge ? { dot: { x: startBox.x! + 5, y: startBox.y! + 5 }, points: pointsOf(startEdge) } : undefined
  return { machineId, states, edges, start, width: laid.width ?? 0, height: laid.height ?? 0, layoutMs }
}

// Keyed by definition: every agent shares one machine, so one layout serves them all.
const cache = new WeakMap<AnyStateMachine, Promise<MachineLayout>>()

/** The layout of a machine definition, computed on first use and cached. */
export function machineLayout(machine: AnyStateMachine): Promise<MachineLayout> {
  let layout = cache.get(machine)
  if (!layout) {
    layout = layoutMachine(machine)
    cache.set(machine, layout)
  }
  return layout
}
