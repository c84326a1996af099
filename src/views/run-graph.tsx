// /runs/:graph_id/graph: a run's agents and their dependencies as server-rendered SVG, one patch target per agent.
import { cutLabel, type NodeBox, type RunLayout } from '../inspector/run-layout'
import type { Point } from '../inspector/machine-graph'
import { MAX_GRAPH_EDGES, MAX_GRAPH_NODES, type RunGraphModel, type RunGraphNode } from '../view-model/run-graph'
import { countWords } from '../view-model/agent-counts'
import { SubPage } from './frame'
import type { PageAssets } from './head'
import { ids, jsString, routes } from './targets'

const r = (n: number) => Math.round(n * 10) / 10
const pathOf = (points: readonly Point[]) => points.map((p, i) => `${i ? 'L' : 'M'}${r(p.x)} ${r(p.y)}`).join(' ')

/**
 * An agent's node: a nested <svg> rather than a <g>, because a patch is parsed as HTML (a <template>),
 * where only an <svg> element starts SVG content: a bare <g> would become an unknown HTML element.
 */
export function RunNode({ node, box }: { node: RunGraphNode; box: NodeBox }) {
  const w = r(box.width)
  return (
    <svg id={ids.runGraphNode(node.agent_id)} class={`rg-node state-${node.state}`} x={r(box.x)} y={r(box.y)} width={w} height={r(box.height)} overflow="visible">
      <a href={routes.agent(node.agent_id)}>
        <title safe>{`${node.name}: ${node.label} (open its page)`}</title>
        <rect width={w} height={r(box.height)} rx="8" />
        <text class="rg-name" x={r(w / 2)} y="17" text-anchor="middle" safe>
          {cutLabel(node.name)}
        </text>
        <text class="rg-state" x={r(w / 2)} y="32" text-anchor="middle" safe>
          {node.label}
        </text>
      </a>
    </svg>
  )
}

/**
 * The whole drawing: patched as one when the run's shape changes (an agent joins), else node by node.
 * `streamed`: sent by the stream, which marks it `live` (the page says so once its stream is open).
 */
export function RunGraph({ model, layout, streamed = false }: { model: RunGraphModel; layout: RunLayout; streamed?: boolean }) {
  const w = Math.ceil(layout.width)
  const h = Math.ceil(layout.height)
  return (
    <div id={ids.runGraph} class={streamed ? 'run-graph live' : 'run-graph'}>
      <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="group" aria-label={`${model.agents} agents and ${model.edges.length} dependencies`} xmlns="http://www.w3.org/2000/svg">
        <defs>
          <marker id={ids.runGraphArrow} viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
            <path d="M0 0 L10 5 L0 10 z" class="arrow-head" />
          </marker>
        </defs>
        {layout.edges.map((e) => (
          <path class="rg-edge" d={pathOf(e.points)} marker-end={`url(#${ids.runGraphArrow})`} />
        ))}
        {model.nodes.map((node) => {
          const box = layout.boxes.get(node.agent_id)
          return box ? <RunNode node={node} box={box} /> : ''
        })}
      </svg>
    </div>
  )
}

export interface RunGraphPageProps {
  model: RunGraphModel
  /** undefined when the run is too large to draw */
  layout: RunLayout | undefined
  /** the run is on this server's dashboard: the page follows it over SSE */
  live: boolean
  assets: PageAssets
}

export function RunGraphPage({ model, layout, live, assets }: RunGraphPageProps) {
  const graphId = model.graph_id
  return (
    <SubPage title={`Run ${graphId}: graph`} assets={assets}>
      <>
        {/* Outside every patch target: a morph would re-fire data-on-load and open a second stream. */}
        {live ? <div id={ids.stream} hidden data-on-load={`@get(${jsString(routes.runGraphEvents(graphId))})`}></div> : ''}
        <div id={ids.offline} class="offline" role="status" aria-live="assertive" hidden></div>
        <main class="run-graph-page">
          <section class="panel" aria-labelledby="h-run-graph">
            <h2 id="h-run-graph" safe>{`Run ${graphId}: agents and dependencies`}</h2>
            <p class="empty-note">
              {live ? 'Live: each agent is coloured by its state as it changes.' : 'Rebuilt from the stored events.'}{' '}
              <a href={routes.runs(graphId)}>The run's page</a> · click an agent to open its page.
            </p>
            <p class="run-counts" safe>
              {countWords(model.progress)}
            </p>
            {layout && !model.tooLarge ? (
              <RunGraph model={model} layout={layout} />
            ) : (
              <p class="run-graph-too-large">
                <span safe>{`This run has ${model.agents} agents: too many, or too many dependencies, to draw readably (at most ${MAX_GRAPH_NODES} agents and ${MAX_GRAPH_EDGES} dependencies). `}</span>
                <a href={routes.agents()}>Find them in the list of agents</a>, a page at a time.
              </p>
            )}
          </section>
        </main>
      </>
    </SubPage>
  )
}
