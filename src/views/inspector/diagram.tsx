// The statechart as server-rendered SVG: a box per state, labelled arrows, the current state lit, the last move emphasised.
import type { LastMove } from '../../inspector/inspect-view'
import type { GraphEdge, GraphState, MachineLayout, Point } from '../../inspector/machine-graph'
import { ids } from '../targets'


export interface DiagramProps {
  layout: MachineLayout
  /** ids of the active leaf states */
  current: ReadonlySet<string>
  last: LastMove | undefined
}

const r = (n: number) => Math.round(n * 10) / 10
const pathOf = (points: readonly Point[]) => points.map((p, i) => `${i ? 'L' : 'M'}${r(p.x)} ${r(p.y)}`).join(' ')

function isLast(edge: GraphEdge, last: LastMove | undefined) {
  return !!last && edge.source === last.source && edge.target === last.target && edge.events.includes(last.type)
}

function Edge({ edge, last }: { edge: GraphEdge; last: boolean }) {
  const box = edge.labelBox
  return (
    <g class={last ? 'edge last' : 'edge'} data-source={edge.source} data-target={edge.target}>
      <path d={pathOf(edge.points)} marker-end={last ? 'url(#insp-arrow-last)' : 'url(#insp-arrow)'} />
      {box ? (
        <>
          <rect class="edge-label-bg" x={r(box.x - 2)} y={r(box.y - 1)} width={r(box.width + 4)} height={r(box.height + 2)} rx="3" />
          <text x={r(box.x + box.width / 2)} y={r(box.y + box.height - 3)} text-anchor="middle" safe>
            {edge.label}
          </text>
        </>
      ) : (
        ''
      )}
    </g>
  )
}

function State({ state, current }: { state: GraphState; current: boolean }) {
  const cls = ['state-node', state.final ? 'final' : '', current ? 'current' : ''].filter(Boolean).join(' ')
  return (
    <g class={cls} data-state={state.id}>
      <rect x={r(state.x)} y={r(state.y)} width={r(state.width)} height={r(state.height)} rx="9" />
      {state.final ? <rect class="inner" x={r(state.x + 3)} y={r(state.y + 3)} width={r(state.width - 6)} height={r(state.height - 6)} rx="7" /> : ''}
      <text x={r(state.x + state.width / 2)} y={r(state.y + (state.caption ? 21 : state.height / 2 + 4.5))} text-anchor="middle" safe>
        {state.label}
      </text>
      {state.caption ? (
        <text class="caption" x={r(state.x + state.width / 2)} y={r(state.y + state.height - 9)} text-anchor="middle" safe>
          {state.caption}
        </text>
      ) : (
        ''
      )}
    </g>
  )
}

function Defs() {
  return (
    <defs>
      <marker id="insp-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M0 0 L10 5 L0 10 z" class="arrow-head" />
      </marker>
      <marker id="insp-arrow-last" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M0 0 L10 5 L0 10 z" class="arrow-head last" />
      </marker>
    </defs>
  )
}

export function Diagram({ layout, current, last }: DiagramProps) {
  const w = Math.ceil(layout.width)
  const h = Math.ceil(layout.height)
  return (
    <div id={ids.inspectDiagram} class="diagram">
      <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`statechart of ${layout.machineId}`} xmlns="http://www.w3.org/2000/svg">
        <Defs />
        {layout.start ? (
          <g class="start">
            <circle cx={r(layout.start.dot.x)} cy={r(layout.start.dot.y)} r="5" />
            <path d={pathOf(layout.start.points)} marker-end="url(#insp-arrow)" />
          </g>
        ) : (
          ''
        )}
        {/* The emphasised edge goes last so it is drawn over the others. */}
        {layout.edges.filter((e) => !isLast(e, last)).map((edge) => <Edge edge={edge} last={false} />)}
        {layout.edges.filter((e) => isLast(e, last)).map((edge) => <Edge edge={edge} last={true} />)}
        {layout.states.map((state) => <State state={state} current={current.has(state.id)} />)}
      </svg>
    </div>
  )
}
