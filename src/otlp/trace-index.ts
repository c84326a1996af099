// What is known of each trace across exports: every span's parent and kind, which agent each agent span is, and the
// work still waiting for its agent. Bounded in spans and in time; written out so that a restart goes on from it.
import { traceAgentId } from '../protocol/trace'
import type { Draft, Role } from './span-events'

/** A span as far as assembling needs it. */
export interface SpanFact {
  /** parent span id */
  p?: string
  /** agent, tool or model; absent for any other span (chains, turns, …) */
  r?: Role
  /** a work span's step id (its call id) */
  c?: string
}

/** A trace's decisions, written out as JSON. */
export interface TraceMeta {
  graph: string
  /** agent span id → agent id; '' for an agent span that is the run (all its work in nested agent spans) */
  agents: [string, string][]
  /** agent name → agent id: a repeated agent span of one name is one agent with several turns */
  names: [string, string][]
  /** the trace's first agent span took the trace's own agent (`otel:<trace>`) */
  bound: boolean
  /** the root span (no parent) arrived */
  rooted: boolean
  /** the trace's own agent last ended failed */
  failed: boolean
}

export class Trace {
  readonly spans = new Map<string, SpanFact>()
  readonly kids = new Map<string, string[]>()
  readonly agents = new Map<string, string>()
  readonly names = new Map<string, string>()
  /** work span id → its events, until its agent is known (change it through hold and release: they count its bytes) */
  readonly held = new Map<string, Draft[]>()
  private readonly heldSizes = new Map<string, number>()
  /** what the held events weigh, as JSON */
  heldBytes = 0
  bound = false
  rooted = false
  failed = false
  /** spans and held work not yet written out */
  readonly unsaved = new Set<string>()
  metaUnsaved = true

  constructor(
    readonly id: string,
    public graph: string,
    public at: number,
  ) {}

  /** The trace's own agent: the first agent span's, or the root span's when it has none. */
  get primary(): string {
    return traceAgentId(this.id)
  }

  add(spanId: string, fact: SpanFact): boolean {
    const known = this.spans.has(spanId)
    this.spans.set(spanId, fact)
    if (!known && fact.p !== undefined) {
      const siblings = this.kids.get(fact.p)
      if (siblings) siblings.push(spanId)
      else this.kids.set(fact.p, [spanId])
    }
    this.unsaved.add(spanId)
    return !known
  }

  hold(spanId: string, drafts: Draft[], bytes = JSON.stringify(drafts).length): void {
    this.release(spanId)
    this.held.set(spanId, drafts)
    this.heldSizes.set(spanId, bytes)
    this.heldBytes += bytes
  }

  /** The bytes released (0 when it was not held). */
  release(spanId: string): number {
    const bytes = this.heldSizes.get(spanId) ?? 0
    this.held.delete(spanId)
    this.heldSizes.delete(spanId)
    this.heldBytes -= bytes
    return bytes
  }

  /** The agent span a span works for (nearest above it), `root` when none is above it, `missing` when the chain leaves what is known. */
  nearestAgent(spanId: string): { agent: string } | 'root' | 'missing' {
    let at = this.spans.get(spanId)?.p
    for (let hops = 0; hops < 256; hops++) {
      if (at === undefined) return 'root'
      const fact = this.spans.get(at)
      if (!fact) return 'missing'
      if (fact.r === 'agent') return { agent: at }
      at = fact.p
    }
    return 'missing'
  }

  /** The step a work span is part of: the nearest tool or model span above it, under the same agent. */
  parentStep(spanId: string): string | undefined {
    let at = this.spans.get(spanId)?.p
    for (let hops = 0; at !== undefined && hops < 256; hops++) {
      const fact = this.spans.get(at)
      if (!fact || fact.r === 'agent') return undefined
      if (fact.r) return fact.c ?? at
      at = fact.p
    }
    return undefined
  }

  /** An agent span whose work is all inside nested agent spans (openai-agents' "Agent workflow"): the run, not an agent. */
  isRun(agentSpanId: string): boolean {
    let nested = false
    const stack = [...(this.kids.get(agentSpanId) ?? [])]
    for (let seen = 0; stack.length && seen < 100_000; seen++) {
      const id = stack.pop()!
      const fact = this.spans.get(id)
      if (fact?.r === 'agent') {
        nested = true
        continue
      }
      if (fact?.r) return false
      stack.push(...(this.kids.get(id) ?? []))
    }
    return nested
  }

  meta(): TraceMeta {
    return { graph: this.graph, agents: [...this.agents], names: [...this.names], bound: this.bound, rooted: this.rooted, failed: this.failed }
  }

  restore(meta: TraceMeta): void {
    this.graph = meta.graph
    for (const [k, v] of meta.agents) this.agents.set(k, v)
    for (const [k, v] of meta.names) this.names.set(k, v)
    this.bound = meta.bound
    this.rooted = meta.rooted
    this.failed = meta.failed
    this.metaUnsaved = false
  }
}

export interface TraceBounds {
  /** spans indexed across all traces; past it the trace heard from longest ago goes (its held work to its own agent) */
  maxSpans: number
  /** a trace not heard from this long goes */
  ttlMs: number
  /** what held work may weigh (as JSON) across traces; past it, work whose agent is not known goes to its trace's own agent */
  maxHeldBytes: number
}

/** The bounds by default: 200,000 spans (some 40 MB), 30 minutes of quiet, 64 MB of held work. */
export const TRACE_BOUNDS: TraceBounds = { maxSpans: 200_000, ttlMs: 30 * 60_000, maxHeldBytes: 64 << 20 }

/** The traces, the one heard from longest ago first. */
export class TraceIndex {
  private readonly traces = new Map<string, Trace>()
  private spanCount = 0

  constructor(readonly bounds: TraceBounds = TRACE_BOUNDS) {}

  get size(): number {
    return this.traces.size
  }

  get spans(): number {
    return this.spanCount
  }

  /** what all held work weighs */
  get heldBytes(): number {
    let total = 0
    for (const trace of this.traces.values()) total += trace.heldBytes
    return total
  }

  /** The trace, created if new, moved to the end of the order (heard from now). */
  touch(traceId: string, graph: string, now: number): Trace {
    let trace = this.traces.get(traceId)
    if (trace) this.traces.delete(traceId)
    else trace = new Trace(traceId, graph, now)
    trace.at = now
    this.traces.set(traceId, trace)
    return trace
  }

  /** A trace read back from the store (oldest first). */
  restore(trace: Trace): void {
    this.traces.delete(trace.id)
    this.traces.set(trace.id, trace)
    this.spanCount += trace.spans.size
  }

  get(traceId: string): Trace | undefined {
    return this.traces.get(traceId)
  }

  /** A span added: counted against the bound. */
  add(trace: Trace, spanId: string, fact: Parameters<Trace['add']>[1]): void {
    if (trace.add(spanId, fact)) this.spanCount++
  }

  /** Traces past their time, or the oldest past the span bound, never one of `keep`: taken out, for their held work to go out. */
  expire(now: number, keep: ReadonlySet<string> = new Set()): Trace[] {
    const gone: Trace[] = []
    for (const trace of this.traces.values()) {
      const over = this.spanCount > this.bounds.maxSpans
      if (!over && now - trace.at < this.bounds.ttlMs) break
      if (keep.has(trace.id)) continue
      this.traces.delete(trace.id)
      this.spanCount -= trace.spans.size
      gone.push(trace)
    }
    return gone
  }

  values(): IterableIterator<Trace> {
    return this.traces.values()
  }
}
