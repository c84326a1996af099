// The dashboard's live panels: render the read model's changes once per flush, encode once, fan out per log filter.
import type { Category } from '../protocol/event'
import type { DashboardView } from '../view-model/dashboard-view'
import { EVENT_LOG_LIMIT, filterEvents, type AgentView, type ViewModel } from '../view-model/derive'
import { AgentBadge, AgentCounts, AgentList } from '../views/agents'
import { BlockedCard, BlockedList, QueueAnnouncer, Toast } from '../views/cards'
import { EventLog, LogLine, Results } from '../views/results'
import { Summary } from '../views/summary'
import { ids, signals } from '../views/targets'
import { changedPanels, PanelStream, prependEntries } from './panel-stream'
import { listEdits } from './list-edits'
import { encodeFrame, patchElements, patchSignals, removeElements } from './sse-encoder'
import type { SseHub } from './sse-hub'

export interface StreamOptions {
  /** coalescing window: at most one flush per this many ms */
  flushMs?: number
}

/** A log filter as a stable key: the categories, sorted. Clients with the same key share bytes. */
export const filterKey = (include: readonly Category[]) => [...new Set(include)].sort().join(',')
const keyCategories = (key: string) => key.split(',') as Category[]

/** The signals the stream keeps current: a count, whatever the size of the swarm. */
export const signalsOf = (model: ViewModel) => ({ [signals.blocked]: model.blocked.length })

interface Rendered {
  panels: Map<string, string>
  /** the badges on the page (all of a small swarm; the ones shown one by one of a large one) */
  shown: AgentView[]
  /** the shown badges' agent ids, in display order */
  order: string[]
  badges: Map<string, string>
  /** the msg_ids of the cards on the page (a card is sent once; its waiting time counts up in the page) */
  cards: Set<string>
  signals: string
}

export class DashboardStream extends PanelStream {
  /** the read model as this stream's clients have it (the last flush's) */
  private model: ViewModel
  private rendered: Rendered
  /** per log filter: the id of the newest entry its clients have */
  private readonly logTop = new Map<string, string | undefined>()
  private readonly unsubscribe: () => void
  private toasts = 0

  constructor(
    /** the read model this stream renders */
    readonly view: DashboardView,
    hub: SseHub,
    options: StreamOptions = {},
  ) {
    super(hub.channel('dashboard'), options.flushMs ?? 50)
    this.model = view.current()
    this.rendered = this.renderModel(this.model)
    this.unsubscribe = view.onChange(() => this.schedule())
  }

  /** A client's stream: the full snapshot, then patches of what changed. `tab` addresses its toasts. */
  open(include: readonly Category[], signal?: AbortSignal, tab?: string): ReadableStream<Uint8Array> {
    this.settle()
    const key = filterKey(include)
    const log = this.log(key)
    if (!this.logTop.has(key)) this.logTop.set(key, log[0]?.id)
    return this.channel.open(key, this.fullFrame(log), signal, tab)
  }

  /** Tell one tab how its answer went, in its toast region; false when that tab has no open stream. */
  toast(tab: string, text: string, ok: boolean): boolean {
    return this.channel.sendTo(tab, encodeFrame([patchElements({ html: String(Toast({ text, ok, seq: ++this.toasts })) })]))
  }

  override close(): void {
    super.close()
    this.unsubscribe()
  }

  private log(key: string) {
    return filterEvents(this.model.events, keyCategories(key)).slice(0, EVENT_LOG_LIMIT)
  }

  private fullFrame(log: ViewModel['events']): Uint8Array {
    const { model } = this
    return encodeFrame([
      ...changedPanels(undefined, this.rendered.panels),
      patchElements({ html: String(AgentList({ agents: this.rendered.shown, now: model.now })) }),
      patchElements({ html: String(BlockedList({ blocked: model.blocked, now: model.now })) }),
      patchElements({ html: String(EventLog({ events: log })) }),
      patchSignals(signalsOf(model)),
    ])
  }

  private renderModel(model: ViewModel): Rendered {
    // Only the badges on the page are rendered: the cost of a flush is bounded whatever the swarm.
    const { panel } = model
    return {
      panels: new Map([
        [ids.summary, String(Summary({ progress: model.progress, usage: model.usage }))],
        [ids.agentCounts, String(AgentCounts({ panel }))],
        [ids.results, String(Results({ results: model.results }))],
      ]),
      shown: panel.shown,
      order: panel.shown.map((a) => a.agent_id),
      badges: new Map(panel.shown.map((agent) => [agent.agent_id, String(AgentBadge({ agent, now: model.now }))])),
      cards: new Set(model.blocked.map((card) => card.msg_id)),
      signals: JSON.stringify(signalsOf(model)),
    }
  }

  /** Render once, diff against what clients have, send each filter's clients the same bytes. */
  protected render(): void {
    const before = this.rendered
    this.model = this.view.current()
    this.rendered = this.renderModel(this.model)
    this.renders++
    const common = this.diff(before, this.rendered)
    const active = this.channel.activeKeys()
    for (const key of active) {
      const parts = [...common, ...this.logDiff(key)]
      if (parts.length) this.channel.broadcast(key, encodeFrame(parts))
    }
    for (const key of this.logTop.keys()) if (!active.has(key)) this.logTop.delete(key)
  }

  private diff(before: Rendered, after: Rendered): string[] {
    const { model } = this
    const parts = changedPanels(before.panels, after.panels)
    // Agents joining, leaving or changing group move a badge or two, not the list: sent whole only when
    // that is smaller (a flush re-sending the whole list to every client was most of a busy flush's bytes).
    const edits = listEdits(ids.agentList, ids.agent, { order: before.order, html: before.badges }, { order: after.order, html: after.badges })
    parts.push(...(edits ?? [patchElements({ html: String(AgentList({ agents: after.shown, now: model.now })) })]))
    let newest: ViewModel['blocked'][number] | undefined
    for (const card of model.blocked) {
      if (before.cards.has(card.msg_id)) continue
      parts.push(patchElements({ html: String(BlockedCard({ card, now: model.now })), selector: `#${ids.blockedList}`, mode: 'append' }))
      newest = card
    }
    if (newest) parts.push(patchElements({ html: String(QueueAnnouncer({ card: newest })) }))
    for (const msgId of before.cards) if (!after.cards.has(msgId)) parts.push(removeElements(`#${ids.card(msgId)}`))
    if (before.signals !== after.signals) parts.push(patchSignals(JSON.parse(after.signals)))
    return parts
  }

  /** New log lines go on top; lines past the bound fall off the bottom. */
  private logDiff(key: string): string[] {
    const log = this.log(key)
    const top = this.logTop.get(key)
    this.logTop.set(key, log[0]?.id)
    if (log[0]?.id === top) return []
    const seen = top === undefined ? -1 : log.findIndex((e) => e.id === top)
    if (seen === -1 && top !== undefined) return [patchElements({ html: String(EventLog({ events: log })) })]
    const fresh = seen === -1 ? log : log.slice(0, seen)
    return prependEntries(ids.eventList, fresh.map((entry) => String(LogLine({ entry }))), EVENT_LOG_LIMIT)
  }
}
