// Agent pages live: per flush, each watched agent that changed is read once, its header, questions and page of
// steps rendered once per filter, and only the changed parts sent (a changed step alone, new steps after the last).
import type { StepQuery } from '../protocol/steps'
import { agentRecord, type AgentRecord, type AgentSources } from '../view-model/agent-record'
import { agentParts } from '../views/agent-page'
import { StepList, StepPager, stepsQuery, type StepView } from '../views/agent-steps'
import { Toast } from '../views/cards'
import { ids, routes } from '../views/targets'
import { listEdits } from './list-edits'
import { changedPanels, PanelStream } from './panel-stream'
import { encodeFrame, patchElements } from './sse-encoder'
import type { SseHub } from './sse-hub'

/** What tells the stream an agent may have changed: its events (stored, then shown), and question records. */
export interface AgentChanges {
  onAgent(listener: (agentId: string) => void): () => void
  onQuestions(listener: () => void): () => void
}

interface Watched {
  agentId: string
  view: StepView
  query: StepQuery
  /** head, questions and pager as the key's clients have them */
  panels: Map<string, string>
  /** the page's steps as they have them, by seq */
  order: string[]
  steps: Map<string, string>
}

const stepElement = (key: string) => ids.agentStep(Number(key))

/** The hub key of an agent page's stream: one agent with one filter (clients of both share its frames). */
export const agentStreamKey = (agentId: string, view: StepView) => JSON.stringify([agentId, stepsQuery(view)])

export class AgentStream extends PanelStream {
  /** by stream key: one agent with one filter */
  private readonly watched = new Map<string, Watched>()
  /** agent_id → its stream keys, so an event elsewhere costs one lookup */
  private readonly byAgent = new Map<string, Set<string>>()
  private readonly dirty = new Set<string>()
  private readonly unsubscribe: Array<() => void>
  private toasts = 0

  constructor(
    private readonly sources: AgentSources,
    changes: AgentChanges,
    hub: SseHub,
    private readonly stepQuery: (view: StepView) => StepQuery,
    options: { flushMs?: number } = {},
  ) {
    super(hub.channel('agent'), options.flushMs ?? 50)
    const touch = (agentId: string) => {
      if (!this.byAgent.has(agentId)) return
      this.dirty.add(agentId)
      this.schedule()
    }
    // A record's change (answered, withdrawn, timed out) is told without its agent: every watched agent is looked at.
    this.unsubscribe = [changes.onAgent(touch), changes.onQuestions(() => [...this.byAgent.keys()].forEach(touch))]
  }

  /** A viewer's stream: the page's parts as they are now (a reconnect resyncs), then what changed; undefined if never stored. */
  open(agentId: string, view: StepView, signal?: AbortSignal, tab?: string): ReadableStream<Uint8Array> | undefined {
    this.settle()
    const query = this.stepQuery(view)
    const record = agentRecord(this.sources, agentId, query)
    if (!record) return undefined
    const key = agentStreamKey(agentId, view)
    const w: Watched = { agentId, view, query, panels: new Map(), order: [], steps: new Map() }
    this.fill(w, record)
    this.watched.set(key, w)
    let keys = this.byAgent.get(agentId)
    if (!keys) this.byAgent.set(agentId, (keys = new Set()))
    keys.add(key)
    const list = this.wholeList(w)
    return this.channel.open(key, encodeFrame([...changedPanels(undefined, w.panels), list]), signal, tab)
  }

  /** Tell one tab how its answer went (an answer sent from an agent page); false when that tab has no agent stream open. */
  toast(tab: string, text: string, ok: boolean): boolean {
    return this.channel.sendTo(tab, encodeFrame([patchElements({ html: String(Toast({ text, ok, seq: ++this.toasts })) })]))
  }

  override close(): void {
    super.close()
    for (const stop of this.unsubscribe) stop()
  }

  private more(w: Watched): string {
    return routes.agentApi(w.agentId) + stepsQuery(w.view)
  }

  /** Render a record into what a key's clients will have. */
  private fill(w: Watched, record: AgentRecord): void {
    const { safeHead, safeQuestions, steps } = agentParts(record, this.more(w))
    w.panels = new Map([
      [ids.agentHead, safeHead],
      [ids.agentQuestions, safeQuestions],
      [ids.agentPager, String(StepPager({ agentId: w.agentId, view: w.view, page: steps.page }))],
    ])
    w.order = steps.items.map((item) => item.key)
    w.steps = new Map(steps.items.map((item) => [item.key, item.html]))
  }

  /** The key's list of steps whole, as its clients have it. */
  private wholeList(w: Watched): string {
    return patchElements({ html: String(StepList({ items: w.order.map((key) => ({ key, html: w.steps.get(key)! })) })) })
  }

  protected render(): void {
    const active = this.channel.activeKeys()
    for (const agentId of this.dirty) {
      for (const key of this.byAgent.get(agentId) ?? []) {
        const w = this.watched.get(key)
        if (!w || !active.has(key)) continue
        const record = agentRecord(this.sources, agentId, w.query)
        if (!record) continue
        this.renders++
        const before = { panels: w.panels, order: w.order, html: w.steps }
        this.fill(w, record)
        const parts = changedPanels(before.panels, w.panels)
        const edits = listEdits(ids.agentSteps, stepElement, before, { order: w.order, html: w.steps })
        parts.push(...(edits ?? [this.wholeList(w)]))
        if (parts.length) this.channel.broadcast(key, encodeFrame(parts))
      }
    }
    this.dirty.clear()
    // A key nobody watches is rendered afresh by the next open(); forget it so it cannot go stale.
    for (const [key, w] of this.watched) {
      if (active.has(key)) continue
      this.watched.delete(key)
      const keys = this.byAgent.get(w.agentId)
      keys?.delete(key)
      if (keys?.size === 0) this.byAgent.delete(w.agentId)
    }
  }
}
