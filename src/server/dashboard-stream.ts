// Turns dashboard snapshots into Datastar frames: render changed panels once, encode once, fan out per log filter.
import type { Category } from '../events/event'
import type { DashboardHandle } from '../machines/dashboard'
import { deriveViewModel, filterEvents, type ViewModel } from '../machines/derive'
import { AgentBadge, AgentList } from '../views/agents'
import { BlockedCard, BlockedList } from '../views/cards'
import { EventLog, LogLine, Results } from '../views/results'
import { Summary } from '../views/summary'
import { EVENT_LOG_LIMIT, ids } from './ids'
import { encodeFrame, patchElements, patchSignals, removeElements } from './sse-encoder'
import type { SseHub } from './sse-hub'

export interface StreamOptions {
  /** coalescing window: at most one flush per this many ms */
  flushMs?: number
  /** how often "time in state" is refreshed */
  tickMs?: number
}

/** A log filter as a stable key: the categories, sorted. Clients with the same key share bytes. */
export const filterKey = (include: readonly Category[]) => [...new Set(include)].sort().join(',')
const keyCategories = (key: string) => key.split(',') as Category[]

/** The compact signals the shell seeds (large data stays in the DOM, out of every request's query). */
export function signalsOf(model: ViewModel): Record<string, unknown> {
  return {
    progress: model.progress,
    agentStates: Object.fromEntries(model.agents.map((a) => [a.agent_id, a.state])),
    blocked: model.blocked.length,
    results: model.results.length,
    events: model.events.length,
  }
}

interface Rendered {
  summary: string
  agentOrder: string
  badges: Map<string, string>
  cards: Set<string>
  results: string
  signals: string
}

export class DashboardStream {
  private model: ViewModel
  private rendered: Rendered
  /** per log filter: the id of the newest entry its clients have */
  private readonly logTop = new Map<string, string | undefined>()
  private timer: ReturnType<typeof setTimeout> | undefined
  private readonly ticker: ReturnType<typeof setInterval>
  private readonly unsubscribe: () => void
  private readonly flushMs: number
  /** how many frames were rendered: one per flush, whatever the number of clients */
  renders = 0

  constructor(private readonly dashboard: DashboardHandle, private readonly hub: SseHub, options: StreamOptions = {}) {
    this.flushMs = options.flushMs ?? 50
    this.model = this.derive()
    this.rendered = this.render(this.model)
    const sub = dashboard.actor.subscribe(() => this.schedule())
    this.unsubscribe = () => sub.unsubscribe()
    this.ticker = setInterval(() => this.model.progress.running + this.model.progress.blocked > 0 && this.schedule(), options.tickMs ?? 1000)
  }

  /** The view model as last flushed: what every open stream currently shows. */
  current(): ViewModel {
    return this.model
  }

  /** A fresh view model for a first paint (flushes first, so stream and page agree). */
  fresh(): ViewModel {
    if (this.timer) this.flush()
    return this.model
  }

  /** A client's stream: the full snapshot, then patches of what changed. */
  open(include: readonly Category[], signal?: AbortSignal): ReadableStream<Uint8Array> {
    const key = filterKey(include)
    const log = this.log(key, this.model)
    if (!this.logTop.has(key)) this.logTop.set(key, log[0]?.id)
    return this.hub.open(key, this.fullFrame(this.model, log), signal)
  }

  close(): void {
    clearTimeout(this.timer)
    clearInterval(this.ticker)
    this.unsubscribe()
  }

  private schedule() {
    this.timer ??= setTimeout(() => this.flush(), this.flushMs)
  }

  private derive(): ViewModel {
    return deriveViewModel(this.dashboard.actor.getSnapshot(), Date.now())
  }

  private log(key: string, model: ViewModel) {
    return filterEvents(model.events, keyCategories(key)).slice(0, EVENT_LOG_LIMIT)
  }

  private fullFrame(model: ViewModel, log: ViewModel['events']): Uint8Array {
    const r = this.render(model)
    return encodeFrame([
      patchElements({ html: r.summary }),
      patchElements({ html: String(AgentList({ agents: model.agents, now: model.now })) }),
      patchElements({ html: String(BlockedList({ blocked: model.blocked })) }),
      patchElements({ html: r.results }),
      patchElements({ html: String(EventLog({ events: log })) }),
      patchSignals(signalsOf(model)),
    ])
  }

  private render(model: ViewModel): Rendered {
    return {
      summary: String(Summary({ progress: model.progress })),
      agentOrder: model.agents.map((a) => a.agent_id).join('\n'),
      badges: new Map(model.agents.map((agent) => [agent.agent_id, String(AgentBadge({ agent, now: model.now }))])),
      cards: new Set(model.blocked.map((c) => c.msg_id)),
      results: String(Results({ results: model.results })),
      signals: JSON.stringify(signalsOf(model)),
    }
  }

  /** Render once, diff against what clients have, send each filter's clients the same bytes. */
  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    const before = this.rendered
    this.model = this.derive()
    this.rendered = this.render(this.model)
    this.renders++
    const common = this.diff(before, this.rendered, this.model)
    const active = this.hub.activeKeys()
    for (const key of active) {
      // The hub also carries other streams (the inspector's): only keys this stream opened are log filters.
      if (!this.logTop.has(key)) continue
      const parts = [...common, ...this.logDiff(key)]
      if (parts.length) this.hub.broadcast(key, encodeFrame(parts))
    }
    for (const key of this.logTop.keys()) if (!active.has(key)) this.logTop.delete(key)
  }

  private diff(before: Rendered, after: Rendered, model: ViewModel): string[] {
    const parts: string[] = []
    if (before.summary !== after.summary) parts.push(patchElements({ html: after.summary }))
    if (before.agentOrder !== after.agentOrder) {
      parts.push(patchElements({ html: String(AgentList({ agents: model.agents, now: model.now })) }))
    } else {
      for (const [id, html] of after.badges) if (before.badges.get(id) !== html) parts.push(patchElements({ html }))
    }
    for (const card of model.blocked)
      if (!before.cards.has(card.msg_id))
        parts.push(patchElements({ html: String(BlockedCard({ card })), selector: `#${ids.blockedList}`, mode: 'append' }))
    for (const msgId of before.cards) if (!after.cards.has(msgId)) parts.push(removeElements(`#${ids.card(msgId)}`))
    if (before.results !== after.results) parts.push(patchElements({ html: after.results }))
    if (before.signals !== after.signals) parts.push(patchSignals(JSON.parse(after.signals)))
    return parts
  }

  /** New log lines go on top; lines past the bound fall off the bottom. */
  private logDiff(key: string): string[] {
    const log = this.log(key, this.model)
    const top = this.logTop.get(key)
    this.logTop.set(key, log[0]?.id)
    if (log[0]?.id === top) return []
    const seen = top === undefined ? -1 : log.findIndex((e) => e.id === top)
    if (seen === -1 && top !== undefined) return [patchElements({ html: String(EventLog({ events: log })) })]
    const fresh = seen === -1 ? log : log.slice(0, seen)
    const html = fresh.map((entry) => String(LogLine({ entry }))).join('')
    return [
      patchElements({ html, selector: `#${ids.eventList}`, mode: 'prepend' }),
      removeElements(`#${ids.eventList} > li:nth-child(n+${EVENT_LOG_LIMIT + 1})`),
    ]
  }
}
