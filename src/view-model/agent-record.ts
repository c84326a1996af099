// The agent page's read model: one agent's header facts, its open questions and a page of its steps, whether
// its actor is in memory or it left memory long ago (then its facts are rebuilt from the stored events).
import type { AgentStateName } from '../machines/agent-states'
import type { AgentSnapshot } from '../machines/roster'
import type { PriceTable } from '../protocol/prices'
import { stepCursor } from '../events/steps-page'
import { pricedStep, type StepPage, type StepQuery } from '../protocol/steps'
import { AgentBook, type AgentFacts } from './agent-book'
import type { BlockedView } from './derive'
import type { UsageView } from './usage'

/** What the page says at its top: who, which run, in what state since when, what it cost, which turn. */
export interface AgentHeader {
  agent_id: string
  name: string
  graph_id?: string
  state: AgentStateName
  /** the state in words */
  label: string
  /** when it entered its state: "time in state" counts from here (null: not known) */
  entered_at: number | null
  /** when it last reported */
  updated_at: number | null
  /** 1 for its first stretch of work, +1 each time it works again after ending or waiting; 0 before any */
  turn: number
  usage: UsageView
  tool_calls: number
  model_calls: number
  /** failed only: the error in full */
  error?: string
  /** it went on without an answer: its last question timed out or was withdrawn */
  unanswered: 'timed_out' | 'withdrawn' | null
  /** waiting for its own user between turns: why, when it said */
  waiting_reason?: string
  /** where these facts come from: its actor in memory, or its events rebuilt from the store */
  source: 'memory' | 'store'
  /** rebuilt from the store, but only from its first events (the replay's bound): what it did later is not in these facts */
  replay_truncated?: boolean
}

export interface AgentRecord {
  agent: AgentHeader
  /** its pending questions as cards, answerable from the page (oldest first) */
  questions: BlockedView[]
  steps: StepPage
  now: number
}

/** The steps index (store.steps): a page of an agent's steps, oldest first, children after their parent. */
export interface StepSource {
  page(agentId: string, query: StepQuery): StepPage
}

export interface AgentSources {
  /** the read model's facts of an agent in memory */
  facts(agentId: string): AgentFacts | undefined
  /** the agent rebuilt from its stored events, for one no longer in memory; undefined when none is stored */
  replay(agentId: string): Replayed | undefined
  /** the pending question cards, every agent's */
  cards(): readonly BlockedView[]
  steps: StepSource
  prices: PriceTable
  now(): number
}

/** An agent rebuilt from the store: its snapshot, its run, and whether its events were more than the replay reads. */
export interface Replayed {
  snapshot: AgentSnapshot
  graphId?: string
  truncated: boolean
}

function headerOf(facts: AgentFacts, source: AgentHeader['source']): AgentHeader {
  const header: AgentHeader = {
    agent_id: facts.agent_id,
    name: facts.name,
    state: facts.state,
    label: facts.label,
    entered_at: facts.entered_at,
    updated_at: facts.updated_at,
    turn: facts.turn,
    usage: facts.usage,
    tool_calls: facts.tool_calls,
    model_calls: facts.model_calls,
    unanswered: facts.unanswered,
    source,
  }
  if (facts.graph_id !== undefined) header.graph_id = facts.graph_id
  if (facts.error !== undefined) header.error = facts.error
  if (facts.waiting_reason !== undefined) header.waiting_reason = facts.waiting_reason
  return header
}

/** An agent's header: from memory when its actor is there, else rebuilt from the store; undefined when never stored. */
export function agentHeader(sources: Omit<AgentSources, 'cards' | 'steps' | 'now'>, agentId: string): AgentHeader | undefined {
  const live = sources.facts(agentId)
  if (live) return headerOf(live, 'memory')
  const replayed = sources.replay(agentId)
  if (!replayed) return undefined
  // The same derivation as the read model's, on a book of one: the page prices and words it as the dashboard would.
  const book = new AgentBook(sources.prices)
  book.update(agentId, replayed.snapshot, replayed.graphId)
  const facts = book.get(agentId)
  if (!facts) return undefined
  const header = headerOf(facts, 'store')
  if (replayed.truncated) header.replay_truncated = true
  return header
}

/**
 * Replays remembered while the agent's stored events stay as they are (its newest seq): a page of an agent that left
 * memory is read again and again (each stream flush, each reload), and a replay may read 50,000 events. Bounded.
 */
export function cachedReplays(replay: AgentSources['replay'], newestSeq: (agentId: string) => number | undefined, size = 100): AgentSources['replay'] {
  const cache = new Map<string, { seq: number; replayed: Replayed }>()
  return (agentId) => {
    const seq = newestSeq(agentId)
    if (seq === undefined) return replay(agentId)
    const hit = cache.get(agentId)
    if (hit?.seq === seq) return hit.replayed
    const replayed = replay(agentId)
    cache.delete(agentId)
    if (replayed) cache.set(agentId, { seq, replayed })
    // A Map iterates in insertion order: the replay made longest ago goes first.
    if (cache.size > size) cache.delete(cache.keys().next().value!)
    return replayed
  }
}

/** The page's first `keep` steps: the rest go to the next page, which goes on after the last one kept. */
export function cutSteps(page: StepPage, keep: number): StepPage {
  if (keep >= page.steps.length) return page
  const steps = page.steps.slice(0, keep)
  return { steps, total: page.total, next: stepCursor(steps.at(-1)!.seq) }
}

/** The questions of this agent that wait on a person. */
export const questionsOf = (cards: readonly BlockedView[], agentId: string) => cards.filter((card) => card.agent_id === agentId)

/** Everything the agent page shows; undefined when no event of this agent was ever stored (nor is it in memory). */
export function agentRecord(sources: AgentSources, agentId: string, query: StepQuery): AgentRecord | undefined {
  const agent = agentHeader(sources, agentId)
  if (!agent) return undefined
  const page = sources.steps.page(agentId, query)
  const steps = { ...page, steps: page.steps.map((step) => (step.cost_usd === undefined ? pricedStep(step, sources.prices) : step)) }
  return { agent, questions: questionsOf(sources.cards(), agentId), steps, now: sources.now() }
}
