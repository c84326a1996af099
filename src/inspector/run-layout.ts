// A run's agents and their depends_on edges laid out by elkjs (layered, left to right), cached by the graph's shape.
import ELK from 'elkjs/lib/elk.bundled.js'
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api'
import type { Point } from './machine-graph'

export interface RunShape {
  /** agent ids in order, each with the label its box is sized for */
  nodes: ReadonlyArray<{ id: string; label: string }>
  /** dependency → dependent */
  edges: ReadonlyArray<{ from: string; to: string }>
}

export interface NodeBox {
  x: number
  y: number
  width: number
  height: number
}

export interface RunLayout {
  /** by agent id */
  boxes: ReadonlyMap<string, NodeBox>
  edges: ReadonlyArray<{ from: string; to: string; points: Point[] }>
  width: number
  height: number
}

const CHAR_W = 7
export const RUN_NODE_H = 40
/** a label is cut to this many characters (the full name is in the node's title) */
export const RUN_LABEL_MAX = 32

export const cutLabel = (label: string) => (label.length > RUN_LABEL_MAX ? `${label.slice(0, RUN_LABEL_MAX - 1)}…` : label)

const elk = new ELK()

function pointsOf(edge: ElkExtendedEdge): Point[] {
  return (edge.sections ?? []).flatMap((s) => [s.startPoint, ...(s.bendPoints ?? []), s.endPoint])
}

/** Lay out a run's shape (async: elk's API is). Use `runLayout` for the cached one. */
export async function layoutRun(shape: RunShape): Promise<RunLayout> {
  // elk sees `n0…`, never an agent id: ids are anything a producer sent (`__proto__` included).
  const key = new Map(shape.nodes.map((n, i) => [n.id, `n${i}`]))
  const children: ElkNode[] = shape.nodes.map((n, i) => ({ id: `n${i}`, width: Math.max(96, cutLabel(n.label).length * CHAR_W + 24), height: RUN_NODE_H }))
  const edges: ElkExtendedEdge[] = shape.edges.map((e, i) => ({ id: `e${i}`, sources: [key.get(e.from)!], targets: [key.get(e.to)!] }))
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '16',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children,
    edges,
  }
  const laid = await elk.layout(graph)
  const byKey = new Map((laid.children ?? []).map((c) => [c.id, c]))
  const boxes = new Map(shape.nodes.map((n, i) => {
    const c = byKey.get(`n${i}`)!
    return [n.id, { x: c.x!, y: c.y!, width: c.width!, height: c.height! }] as const
  }))
  const laidEdges = new Map((laid.edges ?? []).map((e) => [e.id, e]))
  return {
    boxes,
    edges: shape.edges.map((e, i) => ({ ...e, points: pointsOf(laidEdges.get(`e${i}`)!) })),
    width: laid.width ?? 0,
    height: laid.height ?? 0,
  }
}

/** layouts kept: a few runs' worth, the oldest dropped first */
const CACHE_SIZE = 32
const cache = new Map<string, Promise<RunLayout>>()

/** The layout of a shape, computed on first use and kept while the shape is among the last CACHE_SIZE seen. */
export function runLayout(shape: RunShape): Promise<RunLayout> {
  const k = JSON.stringify([shape.nodes.map((n) => [n.id, cutLabel(n.label)]), shape.edges.map((e) => [e.from, e.to])])
  let layout = cache.get(k)
  if (layout) cache.delete(k)
  else {
    layout = layoutRun(shape)
    // A failed layout is not kept: the next view tries again.
    layout.catch(() => cache.delete(k))
  }
  cache.set(k, layout)
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!)
  return layout
}
