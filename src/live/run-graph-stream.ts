// Run graphs live: per flush, the nodes of watched runs whose agents changed, rendered once and sent to every viewer.
import { runLayout, type RunLayout } from '../inspector/run-layout'
import type { DashboardHandle } from '../machines/dashboard'
import { emptyRunGraph, nodeOf, runGraphOf, shapeOf } from '../view-model/run-graph'
import { RunGraph, RunNode } from '../views/run-graph'
import { PanelStream } from './panel-stream'
import { encodeFrame, patchElements } from './sse-encoder'
import { logger } from '../telemetry/log'
import type { SseHub } from './sse-hub'

interface Watched {
  layout: RunLayout
  /** agent_id → its node as the run's viewers have it */
  nodes: Map<string, string>
  relayout: boolean
}

export class RunGraphStream extends PanelStream {
  private readonly watched = new Map<string, Watched>()
  /** graph_id → its agents that changed since the last flush */
  private readonly dirty = new Map<string, Set<string>>()
  private readonly unsubscribe: () => void

  constructor(private readonly dashboard: Pick<DashboardHandle, 'actor' | 'agents'>, hub: SseHub, options: { flushMs?: number } = {}) {
    super(hub.channel('run-graph'), options.flushMs ?? 50)
    this.unsubscribe = dashboard.agents.onChange((agentId) => {
      const graphId = dashboard.agents.graphOf(agentId)
      // Only runs someone is watching: the cost of an event elsewhere is this lookup.
      if (graphId === undefined || !this.watched.has(graphId)) return
      let agents = this.dirty.get(graphId)
      if (!agents) this.dirty.set(graphId, (agents = new Set()))
      agents.add(agentId)
      this.schedule()
    })
  }

  /** A viewer's stream of a run: the drawing as it is now (a reconnect resyncs), then its changed nodes. */
  open(graphId: string, layout: RunLayout, signal?: AbortSignal): ReadableStream<Uint8Array> {
    this.settle()
    const w = this.watched.get(graphId)
    if (!w || w.layout !== layout) this.watched.set(graphId, { layout, nodes: new Map(), relayout: false })
    return this.channel.open(graphId, encodeFrame([this.whole(graphId)]), signal)
  }

  override close(): void {
    super.close()
    this.unsubscribe()
  }

  /** The whole drawing, and what each node now is; an agent the layout lacks asks for a new one. */
  private whole(graphId: string): string {
    const w = this.watched.get(graphId)!
    const model = runGraphOf(this.dashboard, graphId)
    if (!model || model.tooLarge) return patchElements({ html: String(RunGraph({ model: model ?? emptyRunGraph(graphId), layout: w.layout, streamed: true })) })
    w.nodes.clear()
    for (const node of model.nodes) {
      const box = w.layout.boxes.get(node.agent_id)
      if (box) w.nodes.set(node.agent_id, String(RunNode({ node, box })))
      else void this.relayout(graphId)
    }
    return patchElements({ html: String(RunGraph({ model, layout: w.layout, streamed: true })) })
  }

  protected render(): void {
    const active = this.channel.activeKeys()
    for (const [graphId, agents] of this.dirty) {
      const w = this.watched.get(graphId)
      if (!w || !active.has(graphId)) continue
      this.renders++
      const parts: string[] = []
      for (const agentId of agents) {
        const actor = this.dashboard.agents.get(agentId)
        if (!actor) continue
        const box = w.layout.boxes.get(agentId)
        if (!box) {
          void this.relayout(graphId)
          continue
        }
        const html = String(RunNode({ node: nodeOf(actor.getSnapshot()), box }))
        if (w.nodes.get(agentId) === html) continue
        w.nodes.set(agentId, html)
        parts.push(patchElements({ html }))
      }
      if (parts.length) this.channel.broadcast(graphId, encodeFrame(parts))
    }
    this.dirty.clear()
    // A run nobody watches is drawn afresh by the next open(); forget it so it cannot go stale.
    for (const graphId of this.watched.keys()) if (!active.has(graphId)) this.watched.delete(graphId)
  }

  /** An agent joined the run: lay it out again (async, cached by shape) and send the whole drawing. */
  private async relayout(graphId: string): Promise<void> {
    const w = this.watched.get(graphId)
    if (!w || w.relayout) return
    w.relayout = true
    try {
      const model = runGraphOf(this.dashboard, graphId)
      if (!model || model.tooLarge) return
      const layout = await runLayout(shapeOf(model))
      if (this.watched.get(graphId) !== w) return
      w.layout = layout
      this.channel.broadcast(graphId, encodeFrame([this.whole(graphId)]))
    } catch (error) {
      logger('run-graph').warn(`cannot lay out run ${JSON.stringify(graphId)} again: ${String(error)}`, { graph_id: graphId })
    } finally {
      w.relayout = false
    }
  }
}
