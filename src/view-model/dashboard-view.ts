// The dashboard's read model: the agent book, the cards and the page, kept up to date by change and derived
// when read. Routes read it; the dashboard stream renders and sends it.
import type { DashboardHandle } from '../machines/dashboard'
import type { PriceTable } from '../protocol/prices'
import type { PendingQuestion } from '../questions/question-record'
import { AgentBook, viewOf, type AgentFacts, type AgentView } from './agent-book'
import { asShown, askedAt } from './agent-counts'
import { agentPage, type AgentListFilter } from './agent-panel'
import { DEFAULT_QUIET_MS, deriveViewModel, type ViewModel } from './derive'

export interface ViewOptions {
  /** how often "time in state" moves on while anything is working or waiting */
  tickMs?: number
  /** a working agent silent for longer is marked quiet (SWITCHBOARD_QUIET_MINUTES) */
  quietMs?: number
  /** USD per million tokens by model (SWITCHBOARD_PRICES) */
  prices?: PriceTable
  /** the clock times in state are measured by (tests hold it still) */
  now?: () => number
}

/** The question records the page shows as cards; structural, so this module needs no question service. */
export interface QuestionSource {
  pending(): PendingQuestion[]
  onChange(listener: () => void): () => void
}

export interface AgentQuery extends AgentListFilter {
  page: number
  size: number
}

export class DashboardView {
  private model: ViewModel
  /** something changed since `model` was derived (an agent, a graph, the log, a question, the clock) */
  private stale = false
  /** the agents' view, brought up to date at each derivation from the agents that changed since the last */
  private readonly book: AgentBook
  private readonly changed = new Set<string>()
  private readonly listeners = new Set<() => void>()
  private readonly unsubscribe: Array<() => void>
  private readonly ticker: ReturnType<typeof setInterval>
  private readonly quietMs: number
  private readonly now: () => number
  /** agents brought up to date by the last derivation: what changed, not the size of the swarm */
  touched = 0
  /** as of the last derivation: when each agent's latest pending question was asked (its badge counts from it) */
  private asked: ReadonlyMap<string, number> = new Map()

  constructor(
    private readonly dashboard: DashboardHandle,
    private readonly questions: QuestionSource,
    options: ViewOptions = {},
  ) {
    this.quietMs = options.quietMs ?? DEFAULT_QUIET_MS
    this.now = options.now ?? Date.now
    this.book = new AgentBook(options.prices)
    for (const actor of dashboard.agents.values()) this.changed.add(actor.getSnapshot().context.agent_id)
    this.model = this.derive()
    const sub = dashboard.actor.subscribe(() => this.invalidate())
    const onAgent = (agentId: string) => {
      this.changed.add(agentId)
      this.invalidate()
    }
    this.unsubscribe = [() => sub.unsubscribe(), dashboard.agents.onChange(onAgent), questions.onChange(() => this.invalidate())]
    // Times on the page count up while anything works or waits; a finished swarm costs no ticks.
    const ticking = () => this.model.progress.running + this.model.progress.blocked + this.model.blocked.length > 0
    this.ticker = setInterval(() => ticking() && this.invalidate(), options.tickMs ?? 1000)
  }

  /** The view model as of the last change: derived again only when something changed since it was read. */
  current(): ViewModel {
    if (this.stale) this.model = this.derive()
    return this.model
  }

  /** Every agent as the page would show it, in order of appearance (a scan: for the API, not a flush). */
  agents(): AgentView[] {
    const { now } = this.current()
    return [...this.book.all()].map((a) => asShown(viewOf(a, now, this.quietMs), this.asked))
  }

  /** One page of the agents matching a filter: the /agents list. */
  agentPage(query: AgentQuery) {
    const { now } = this.current()
    const page = agentPage(this.book, { ...query, now, quietMs: this.quietMs })
    const shown = (a: AgentView) => asShown(a, this.asked)
    return { ...page, agents: page.agents.map(shown), ...(page.groups ? { groups: page.groups.map((g) => ({ ...g, agents: g.agents.map(shown) })) } : {}), now }
  }

  /** One agent's facts as the book has them now (agents in memory only): the agent page's header. O(changed). */
  facts(agentId: string): AgentFacts | undefined {
    this.current()
    return this.book.get(agentId)
  }

  /** The prices the book uses, so that an agent rebuilt from the store is priced as the page prices it. */
  get prices(): PriceTable {
    return this.book.prices
  }

  /** Called (synchronously, so cheaply) whenever the model went stale: a stream schedules its flush. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    clearInterval(this.ticker)
    for (const stop of this.unsubscribe) stop()
    this.listeners.clear()
  }

  private invalidate(): void {
    this.stale = true
    for (const listener of this.listeners) listener()
  }

  private derive(): ViewModel {
    const { agents } = this.dashboard
    for (const agentId of this.changed) this.book.update(agentId, agents.get(agentId)?.getSnapshot(), agents.graphOf(agentId))
    this.touched = this.changed.size
    this.changed.clear()
    this.stale = false
    const pending = this.questions.pending()
    this.asked = askedAt(pending)
    return deriveViewModel(this.dashboard.actor.getSnapshot(), this.book, pending, this.now(), this.quietMs)
  }
}
