// Spans → agents, across exports. A trace is a run; its agents are its agent spans (a repeated one of the same name is
// one agent with several turns; one whose work is all in nested agent spans is the run itself); a trace with no agent
// span is one agent, named after its root span, ending and failing with it.
//
// Spans arrive as they end, children first, and an exporter splits a run over many requests: the work of an agent
// routinely comes before (and in another request than) the agent span that owns it. So: work whose agent is not yet
// known goes to the trace's own agent (`otel:<trace>`) while the trace has seen no agent span; the first agent span
// to arrive is that agent (its name and its end). Once one has, work whose agent span is still to come is held, in
// the index, until it comes (or the root span, or the trace's time runs out: then to the trace's own agent).
import { validateEvent, type Event } from '../protocol/event'
import type { OtlpSpan } from './otlp-spans'
import { agentNameOf, callIdOf, displayName, errorOf, lifeDrafts, roleOf, sessionOf, str, workDrafts, type Draft } from './span-events'
import { Trace, TraceIndex, type TraceBounds } from './trace-index'

export interface Assembled {
  events: Event[]
  rejected: number
  reason: string
  /** call once the events are stored: held work that went out is forgotten, and what changed is written out */
  settle: () => void
}

/** Where the index is written, so that a restart goes on from it (SQLite; none in memory-only use). */
export interface TraceStore {
  load(): Iterable<Trace>
  save(traces: Iterable<Trace>, released: ReadonlyArray<[Trace, string]>, gone: Iterable<Trace>): void
}

interface Out {
  events: Event[]
  /** spans refused, each counted once */
  refused: Set<string>
  rejected: number
  reason: string
  released: [Trace, string][]
  /** `trace:span` of the held work released in this take (it stays held until the take is settled) */
  releasedIds: Set<string>
}

const checked = (drafts: Draft[], agent_id: string, graph_id: string): Event[] | { reason: string } => {
  const events: Event[] = []
  for (const d of drafts) {
    const c = validateEvent({ ...d, agent_id, graph_id })
    if (!c.ok) return { reason: `${c.field} ${c.reason}` }
    events.push(c.event)
  }
  return events
}

export class SpanAssembler {
  readonly index: TraceIndex
  /** what the held work of every trace weighs (kept here: summing the traces on every span would cost) */
  private heldBytes = 0

  constructor(
    private readonly store?: TraceStore,
    bounds?: TraceBounds,
    private readonly now: () => number = Date.now,
  ) {
    this.index = new TraceIndex(bounds)
    if (store) for (const trace of store.load()) this.index.restore(trace)
    this.heldBytes = this.index.heldBytes
  }

  /** The events these spans (and held work they complete) make now. */
  take(spans: readonly OtlpSpan[]): Assembled {
    const out: Out = { events: [], refused: new Set(), rejected: 0, reason: '', released: [], releasedIds: new Set() }
    const now = this.now()
    const byTrace = new Map<string, OtlpSpan[]>()
    for (const span of spans) {
      const list = byTrace.get(span.traceId)
      if (list) list.push(span)
      else byTrace.set(span.traceId, [span])
    }
    const touched: Trace[] = []
    for (const [traceId, group] of byTrace) {
      const trace = this.index.touch(traceId, group.find((s) => s.graph)?.graph ?? traceId, now)
      touched.push(trace)
      this.assemble(trace, group, out)
    }
    const gone = this.index.expire(now, new Set(byTrace.keys()))
    for (const trace of gone) this.heldBytes -= trace.heldBytes
    for (const trace of gone) this.releaseAll(trace, out)
    return {
      events: settleTimes(firstStarts(out.events)),
      rejected: out.rejected,
      reason: out.reason,
      settle: () => {
        for (const [trace, spanId] of out.released) {
          if (trace.held.has(spanId)) trace.unsaved.add(spanId)
          this.heldBytes -= trace.release(spanId)
        }
        this.store?.save(touched, out.released, gone)
      },
    }
  }

  /** What the index holds now (for /metrics). */
  stats(): { traces: number; spans: number; held: number } {
    let held = 0
    for (const trace of this.index.values()) held += trace.held.size
    return { traces: this.index.size, spans: this.index.spans, held }
  }

  /** Traces past their time: their held work goes to their own agents (a timer calls this; so does every take). */
  expire(): Assembled {
    return this.take([])
  }

  private assemble(trace: Trace, group: OtlpSpan[], out: Out): void {
    // Children end first; an agent span's nested agents are decided before it.
    const ordered = [...group].sort((a, b) => a.endMs - b.endMs)
    for (const span of ordered) {
      const role = roleOf(span)
      this.index.add(trace, span.spanId, { ...(span.parentSpanId ? { p: span.parentSpanId } : {}), ...(role ? { r: role } : {}), ...(role && role !== 'agent' ? { c: callIdOf(span) } : {}) })
    }
    for (const span of ordered) if (roleOf(span) === 'agent') this.agentSpan(trace, span, out)
    // Work held from earlier exports that these spans complete, then this export's work.
    for (const [spanId, drafts] of trace.held) {
      const owner = this.ownerOf(trace, spanId, false)
      if (owner !== undefined && !out.releasedIds.has(`${trace.id}:${spanId}`)) this.emit(trace, drafts, owner, out, { released: spanId })
    }
    for (const span of ordered) {
      const role = roleOf(span)
      if (role !== 'tool' && role !== 'model') continue
      const drafts = workDrafts(span, role, trace.parentStep(span.spanId))
      const owner = this.ownerOf(trace, span.spanId, true)
      if (owner === undefined) this.hold(trace, span, drafts, out)
      else this.emit(trace, drafts, owner, out, { provisional: span })
    }
    const root = ordered.find((s) => s.parentSpanId === undefined)
    if (root) this.rootSpan(trace, root, out)
  }

  /** The agent id a work span goes to now; undefined: hold it. `arriving`: it came in this export (else it was held). */
  private ownerOf(trace: Trace, spanId: string, arriving: boolean): string | undefined {
    const above = trace.nearestAgent(spanId)
    if (above === 'root') return trace.primary
    if (above !== 'missing') {
      const agent = trace.agents.get(above.agent)
      // Work found inside a span already taken for the run: it is the trace's own agent's.
      return agent === undefined ? undefined : agent || trace.primary
    }
    if (trace.rooted) return trace.primary
    return arriving && !trace.bound ? trace.primary : undefined
  }

  private agentSpan(trace: Trace, span: OtlpSpan, out: Out): void {
    let agentId = trace.agents.get(span.spanId)
    if (agentId === undefined) {
      if (trace.isRun(span.spanId)) agentId = ''
      else {
        const name = agentNameOf(span) ?? ''
        agentId = trace.names.get(name) ?? (trace.bound ? `${trace.primary}:${span.spanId}` : trace.primary)
        trace.bound = true
        trace.names.set(name, agentId)
      }
      trace.agents.set(span.spanId, agentId)
      trace.metaUnsaved = true
    }
    if (agentId === '') return
    const drafts = lifeDrafts(span, displayName(agentNameOf(span), span, false))
    if (agentId === trace.primary) {
      trace.failed = errorOf(span) !== undefined
      trace.metaUnsaved = true
    }
    this.emit(trace, drafts, agentId, out, { span: span.spanId })
  }

  /** The root span: held work goes to the trace's own agent; with no agent span, that agent is named after it and ends with it. */
  private rootSpan(trace: Trace, root: OtlpSpan, out: Out): void {
    trace.rooted = true
    trace.metaUnsaved = true
    this.releaseAll(trace, out)
    // A root that is an agent is that agent (its end was said); one that is the run, or a chain, ends the trace's own agent.
    if (roleOf(root) === 'agent' && trace.agents.get(root.spanId) !== '') return
    // A root refused as work (its events do not validate) is refused whole: it names and ends nothing.
    if (out.refused.has(root.spanId)) return
    const error = errorOf(root)
    if (!trace.bound) {
      trace.bound = true
      trace.failed = error !== undefined
      return this.emit(trace, lifeDrafts(root, displayName(root.name || undefined, root, true)), trace.primary, out, { span: root.spanId })
    }
    // The run failed around an agent that had completed (LangGraph: a tool node failing the graph): it failed.
    if (error !== undefined && !trace.failed) {
      trace.failed = true
      const id = `otel:${root.traceId}:${root.spanId}:failed`
      this.emit(trace, [{ id, timestamp: root.endMs, category: 'agent', action: 'failed', ...sessionOf(root), payload: { error, late: true } }], trace.primary, out, { span: root.spanId })
    }
  }

  private releaseAll(trace: Trace, out: Out): void {
    for (const [spanId, drafts] of trace.held)
      if (!out.releasedIds.has(`${trace.id}:${spanId}`)) this.emit(trace, drafts, this.ownerOf(trace, spanId, false) ?? trace.primary, out, { released: spanId })
  }

  private hold(trace: Trace, span: OtlpSpan, drafts: Draft[], out: Out): void {
    const valid = checked(drafts, trace.primary, trace.graph)
    if ('reason' in valid) return refuse(out, span.spanId, valid.reason)
    const bytes = JSON.stringify(drafts).length
    // Past the bound, the best guess now rather than memory without end: the trace's own agent.
    if (this.heldBytes + bytes > this.index.bounds.maxHeldBytes) return this.emit(trace, drafts, trace.primary, out, { span: span.spanId })
    trace.hold(span.spanId, drafts, bytes)
    this.heldBytes += bytes
    trace.unsaved.add(span.spanId)
  }

  private emit(trace: Trace, drafts: Draft[], agentId: string, out: Out, how: { span?: string; provisional?: OtlpSpan; released?: string }): void {
    const late = how.released !== undefined
    const events = checked(late ? drafts.map(markLate) : drafts, agentId, trace.graph)
    if ('reason' in events) {
      if (how.released) this.released(trace, how.released, out)
      return refuse(out, how.span ?? how.provisional?.spanId ?? how.released ?? '?', events.reason)
    }
    // The trace's own agent, seen first through work, is started by it: named for now by what the span says.
    if (how.provisional && agentId === trace.primary && !trace.bound) {
      const span = how.provisional
      const name = displayName(str(span.attributes.get('gen_ai.agent.name'))?.slice(0, 200), span, false)
      const start = validateEvent({ id: `${trace.primary}:running`, timestamp: span.startMs, category: 'agent', action: 'started', agent_id: agentId, graph_id: trace.graph, ...sessionOf(span), payload: name ? { name } : {} })
      if (start.ok) out.events.push(start.event)
    }
    out.events.push(...events)
    if (how.released) this.released(trace, how.released, out)
  }

  private released(trace: Trace, spanId: string, out: Out): void {
    out.released.push([trace, spanId])
    out.releasedIds.add(`${trace.id}:${spanId}`)
  }
}

/** A trace's own agent started by its first work and by its own span in one export: its span's start alone. */
function firstStarts(events: Event[]): Event[] {
  const started = new Set(events.filter((e) => e.category === 'agent' && e.action === 'started' && !e.id.endsWith(':running')).map((e) => e.agent_id))
  return events.filter((e) => !(e.id.endsWith(':running') && e.category === 'agent' && started.has(e.agent_id)))
}

/** Held work released once its agent may have ended: it belongs to the turn it happened in (see agent.machine's LATE). */
function markLate(d: Draft): Draft {
  return d.category === 'tool' || d.category === 'model' ? { ...d, payload: { ...d.payload, late: true } } : d
}

function refuse(out: Out, spanId: string, reason: string): void {
  if (out.refused.has(spanId)) return
  out.refused.add(spanId)
  out.rejected++
  out.reason ||= `span ${spanId}: ${reason}`
}

const rank = (e: Event) => (e.category !== 'agent' ? 1 : e.action === 'started' ? 0 : 2)
const byTime = (a: Event, b: Event) => a.timestamp - b.timestamp || rank(a) - rank(b)

/** How far the clocks of a parent span and its children may disagree (threads, processes on one host). */
const SKEW_MS = 2

/**
 * Clocks of parent and child spans may disagree by a millisecond or so: an agent starts no later and ends no earlier
 * than its work that is here and within SKEW_MS of it, at the same millisecond too. (Only so near: an agent of several
 * turns has work well before and after each of its spans.)
 */
function settleTimes(events: Event[]): Event[] {
  const work = new Map<string, number[]>()
  for (const e of events) {
    if (e.category === 'agent' || !e.agent_id || e.payload.late === true) continue
    const times = work.get(e.agent_id)
    if (times) times.push(e.timestamp)
    else work.set(e.agent_id, [e.timestamp])
  }
  for (const e of events) {
    const times = e.category === 'agent' && e.agent_id && e.payload.late !== true ? work.get(e.agent_id) : undefined
    if (!times) continue
    const near = times.filter((t) => Math.abs(t - e.timestamp) <= SKEW_MS)
    if (near.length) e.timestamp = e.action === 'started' ? Math.min(e.timestamp, ...near) : Math.max(e.timestamp, ...near)
  }
  return events.sort(byTime)
}
