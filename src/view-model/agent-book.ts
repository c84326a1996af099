// The agents' side of the view model, kept up to date one changed agent at a time: a flush costs what
// changed, not the size of the swarm (counts per state and per graph, the badges on the page, the results).
import { isWorkingState, type AgentStateName } from '../machines/agent-states'
import type { ModelUsage, ToolCallNote, Unanswered } from '../machines/agent.machine'
import type { AgentSnapshot } from '../machines/roster'
import type { PriceTable } from '../protocol/prices'
import { bounded } from './bounded'
import { addToSums, priceUsage, sumEntries, type UsageSums, type UsageView } from './usage'

export const STATE_LABELS: Record<AgentStateName, string> = {
  idle: 'Waiting to start',
  running: 'Running',
  blocked: 'Waiting for answer',
  resumed: 'Answer received',
  waiting: 'Waiting for its user',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  skipped: 'Skipped',
}

export interface AgentView {
  agent_id: string
  name: string
  state: AgentStateName
  label: string
  current_tool: string | null
  tool_calls: number
  model_calls: number
  entered_at: number | null
  graph_id: string | undefined
  /** tokens reported and what they cost */
  usage: UsageView
  /** working (running or resumed) yet silent for longer than the quiet threshold: ms since its last report */
  quiet_for: number | null
  /** 0 before its first activity, then 1, +1 each time it works again after it ended or waited for its user */
  turn: number
  /** failed: the error, in full */
  error?: string
  /** it went on without an answer to its last question (timed out, withdrawn); null otherwise */
  unanswered: Unanswered | null
  /** waiting for its user: what it said it waits for */
  waiting_reason?: string
  /** waiting to start while a dependency is blocked or failed (set by the panel and the list, not by viewOf) */
  waiting_on?: WaitingOn
}

/** The dependency an idle agent waits on that cannot go on by itself. */
export interface WaitingOn {
  agent_id: string
  name: string
  state: 'blocked' | 'failed'
}

export interface ResultView {
  agent_id: string
  agent_name: string
  result: unknown
  at: number
  status: 'done' | 'failed'
}

/** What the book keeps of an agent: its view without `quiet_for`, which depends on the clock. */
export interface AgentFacts extends Omit<AgentView, 'quiet_for'> {
  updated_at: number | null
  /** its last few tool calls, for the card of a question it asks */
  recent_tools: readonly ToolCallNote[]
  /** tokens per model, as the agent's actor counts them: summed per graph */
  models: readonly ModelUsage[]
  /** done or failed: when, and what it produced */
  result: ResultView | undefined
  /** the agents it starts after (its graph's depends_on) */
  depends_on?: readonly string[]
}

export type StateCounts = Partial<Record<AgentStateName, number>>

export const MAX_RESULTS = 50

function factsOf({ value, context }: AgentSnapshot, graphId: string | undefined, prices: PriceTable): AgentFacts {
  const finishedAt = value === 'done' || value === 'failed' ? context.transitions[value] : undefined
  return {
    agent_id: context.agent_id,
    name: context.name,
    state: value,
    label: STATE_LABELS[value],
    current_tool: context.current_tool,
    tool_calls: context.tool_calls,
    model_calls: context.model_calls,
    entered_at: context.entered_at,
    turn: context.turn,
    error: value === 'failed' ? context.error : undefined,
    unanswered: context.unanswered,
    waiting_reason: value === 'waiting' ? context.waiting_reason : undefined,
    graph_id: graphId ?? context.graph_id,
    updated_at: context.updated_at,
    recent_tools: context.recent_tools,
    models: context.usage,
    usage: priceUsage(context.usage, prices),
    depends_on: context.depends_on,
    result:
      finishedAt === undefined
        ? undefined
        : {
            agent_id: context.agent_id,
            agent_name: context.name,
            result: bounded(value === 'failed' ? context.error : context.result),
            at: finishedAt,
            status: value === 'failed' ? 'failed' : 'done',
          },
  }
}

/** The view of an agent at `now`: quiet when working yet silent for longer than `quietMs`. */
export function viewOf({ updated_at, result: _result, recent_tools: _tools, models: _models, depends_on: _deps, ...facts }: AgentFacts, now: number, quietMs: number): AgentView {
  const silent = updated_at === null ? 0 : now - updated_at
  return { ...facts, quiet_for: isWorkingState(facts.state) && silent > quietMs ? silent : null }
}

const bump = (counts: StateCounts, state: AgentStateName, by: number) => {
  counts[state] = (counts[state] ?? 0) + by
}

export class AgentBook {
  /** by agent_id, in order of first appearance */
  private readonly facts = new Map<string, AgentFacts>()
  /** per state, its agents in the order they entered it */
  private readonly byState = new Map<AgentStateName, Map<string, AgentFacts>>()
  private readonly graphCounts = new Map<string, StateCounts>()
  private readonly counts: StateCounts = {}
  /** tokens per model, per graph and in all: kept as the counts are, one changed agent at a time */
  private readonly graphSums = new Map<string, UsageSums>()
  private readonly sums: UsageSums = new Map()
  /** newest first, at most MAX_RESULTS; rebuilt (a scan) only after one of them is retired */
  private top: ResultView[] = []
  private topStale = false

  /** `prices`: USD per million tokens by model (an empty table prices nothing) */
  constructor(readonly prices: PriceTable = new Map()) {}

  get size(): number {
    return this.facts.size
  }

  get(agentId: string): AgentFacts | undefined {
    return this.facts.get(agentId)
  }

  /** One agent as it is now (and its graph); undefined when it was retired. O(1), plus O(MAX_RESULTS) when it finished. */
  update(agentId: string, snapshot: AgentSnapshot | undefined, graphId?: string): void {
    if (snapshot) this.put(factsOf(snapshot, graphId, this.prices))
    else this.remove(agentId)
  }

  /** Forget an agent. */
  remove(agentId: string): void {
    const before = this.facts.get(agentId)
    if (before) this.forget(before)
    this.facts.delete(agentId)
  }

  /** An agent's facts, new or replacing what the book had. */
  put(after: AgentFacts): void {
    const agentId = after.agent_id
    const before = this.facts.get(agentId)
    if (before) this.forget(before)
    this.facts.set(agentId, after)
    let members = this.byState.get(after.state)
    if (!members) this.byState.set(after.state, (members = new Map()))
    members.set(agentId, after)
    bump(this.counts, after.state, 1)
    if (after.graph_id !== undefined) {
      let counts = this.graphCounts.get(after.graph_id)
      if (!counts) this.graphCounts.set(after.graph_id, (counts = {}))
      bump(counts, after.state, 1)
      if (after.models.length) {
        let sums = this.graphSums.get(after.graph_id)
        if (!sums) this.graphSums.set(after.graph_id, (sums = new Map()))
        addToSums(sums, after.models, 1)
      }
    }
    addToSums(this.sums, after.models, 1)
    if (after.result && !this.topStale) this.rank(after.result)
  }

  /** How many agents are in each state. */
  stateCounts(): Readonly<StateCounts> {
    return this.counts
  }

  /** How many agents of a graph are in each state. */
  graph(graphId: string): Readonly<StateCounts> {
    return this.graphCounts.get(graphId) ?? {}
  }

  /** Tokens and cost of every agent the book has. O(models). */
  usage(): UsageView {
    return priceUsage(sumEntries(this.sums), this.prices)
  }

  /** Tokens and cost of a graph's agents. O(models). */
  graphUsage(graphId: string): UsageView {
    return priceUsage(sumEntries(this.graphSums.get(graphId) ?? new Map()), this.prices)
  }

  /** The first `limit` agents in a state, in the order they entered it. */
  inState(state: AgentStateName, limit: number): AgentFacts[] {
    const out: AgentFacts[] = []
    for (const facts of this.byState.get(state)?.values() ?? []) {
      if (out.length >= limit) break
      out.push(facts)
    }
    return out
  }

  /** The first `limit` agents in order of appearance. */
  first(limit: number): AgentFacts[] {
    const out: AgentFacts[] = []
    for (const facts of this.facts.values()) {
      if (out.length >= limit) break
      out.push(facts)
    }
    return out
  }

  /** Every agent, in order of appearance: for the API and the paginated list, not for a flush. */
  all(): IterableIterator<AgentFacts> {
    return this.facts.values()
  }

  /** The finished agents' results, newest first. */
  results(): ResultView[] {
    if (this.topStale) {
      this.topStale = false
      this.top = []
      for (const facts of this.facts.values()) if (facts.result) this.rank(facts.result)
    }
    return [...this.top]
  }

  private forget(facts: AgentFacts): void {
    this.byState.get(facts.state)?.delete(facts.agent_id)
    bump(this.counts, facts.state, -1)
    if (facts.graph_id !== undefined) {
      const counts = this.graphCounts.get(facts.graph_id)
      if (counts) bump(counts, facts.state, -1)
      if (counts && Object.values(counts).every((n) => n === 0)) this.graphCounts.delete(facts.graph_id)
      const sums = this.graphSums.get(facts.graph_id)
      if (sums) {
        addToSums(sums, facts.models, -1)
        if (sums.size === 0) this.graphSums.delete(facts.graph_id)
      }
    }
    addToSums(this.sums, facts.models, -1)
    if (facts.result && this.top.includes(facts.result)) this.topStale = true
  }

  /** Place a result among the newest (ties: the one seen first stays first). */
  private rank(result: ResultView): void {
    const at = this.top.findIndex((r) => r.at < result.at)
    if (at === -1) {
      if (this.top.length < MAX_RESULTS) this.top.push(result)
      return
    }
    this.top.splice(at, 0, result)
    if (this.top.length > MAX_RESULTS) this.top.pop()
  }
}
