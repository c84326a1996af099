// The per-trace index that assembles spans across exports: bounded in spans, expiring in time (held work then goes to
// the trace's own agent), written to SQLite and read back (a restart goes on from it; a damaged row is skipped).
import { describe, expect, it } from 'bun:test'
import { Database } from 'bun:sqlite'
import { SpanAssembler } from '../src/otlp/assembler'
import type { OtlpSpan, Scalar } from '../src/otlp/otlp-spans'
import { SqliteTraceStore } from '../src/otlp/trace-store'
import { tempDb } from './support/server'

const T0 = Date.UTC(2026, 11, 4, 3, 0, 0)
const trace = (n: number) => n.toString(16).padStart(32, '0')
const spanId = (n: number) => n.toString(16).padStart(16, '0')

function span(traceNo: number, id: number, parent: number | undefined, name: string, attributes: Record<string, Scalar>, at = T0): OtlpSpan {
  return { traceId: trace(traceNo), spanId: spanId(id), ...(parent === undefined ? {} : { parentSpanId: spanId(parent) }), name, startMs: at, endMs: at + 5, attributes: new Map(Object.entries(attributes)), status: { code: 1 } }
}
const agent = (t: number, id: number, parent: number | undefined, name: string) => span(t, id, parent, name, { 'openinference.span.kind': 'AGENT' }, T0 + id * 10)
const tool = (t: number, id: number, parent: number, name: string) => span(t, id, parent, name, { 'openinference.span.kind': 'TOOL', 'tool.name': name }, T0 + id * 10)
const chain = (t: number, id: number, parent: number | undefined, name = 'turn') => span(t, id, parent, name, { 'openinference.span.kind': 'CHAIN' }, T0 + id * 10)

/** A handoff's first half: Triage has ended, Billing's refund has arrived without Billing (it is held). */
const firstHalf = (t: number) => [chain(t, 2, 1), agent(t, 1, 100, 'Triage'), { ...tool(t, 4, 3, 'refund'), startMs: T0 + 51, endMs: T0 + 53 }]
const secondHalf = (t: number) => [chain(t, 3, 5), agent(t, 5, 100, 'Billing'), agent(t, 100, undefined, 'Agent workflow')]
const owners = (events: { agent_id?: string; category: string; action: string; payload: Record<string, unknown> }[]) =>
  events.map((e) => `${e.agent_id}:${e.category}:${e.action}${e.payload.late ? ':late' : ''}`)

describe('the OTLP trace index', () => {
  it('holds work for an agent span still to come, and gives it to the trace’s own agent when the trace has been quiet too long', () => {
    let now = T0
    const a = new SpanAssembler(undefined, { maxSpans: 1_000, ttlMs: 60_000, maxHeldBytes: 1 << 20 }, () => now)
    const first = a.take(firstHalf(1))
    first.settle()
    expect(owners(first.events)).toEqual([`otel:${trace(1)}:agent:started`, `otel:${trace(1)}:agent:completed`])
    expect(a.index.get(trace(1))?.held.size).toBe(1)
    now += 59_999
    expect(a.expire().events).toEqual([])
    now += 1
    const due = a.expire()
    due.settle()
    expect(owners(due.events)).toEqual([`otel:${trace(1)}:tool:called:late`, `otel:${trace(1)}:tool:completed:late`])
    expect(a.index.get(trace(1))).toBeUndefined()
  })

  it('keeps at most maxSpans: the trace heard from longest ago goes first, its held work to its own agent', () => {
    let now = T0
    const a = new SpanAssembler(undefined, { maxSpans: 5, ttlMs: 3_600_000, maxHeldBytes: 1 << 20 }, () => now)
    a.take(firstHalf(1)).settle()
    now += 1
    const second = a.take(firstHalf(2))
    second.settle()
    // Six spans known: trace 1, the older, went, and its refund with it; trace 2 is kept even though it is over alone.
    expect(owners(second.events).filter((o) => o.includes(trace(1)))).toEqual([`otel:${trace(1)}:tool:called:late`, `otel:${trace(1)}:tool:completed:late`])
    expect([a.index.get(trace(1)), a.index.size, a.index.spans]).toEqual([undefined, 1, 3])
  })

  it('goes on after a restart from what it wrote: held work reaches its agent, which keeps its id', () => {
    const path = tempDb()
    const before = new SpanAssembler(new SqliteTraceStore(path), undefined, () => T0)
    before.take(firstHalf(7)).settle()
    const after = new SpanAssembler(new SqliteTraceStore(path), undefined, () => T0 + 1)
    expect(after.index.get(trace(7))?.held.size).toBe(1)
    const rest = after.take(secondHalf(7))
    rest.settle()
    const billing = `otel:${trace(7)}:${spanId(5)}`
    expect(owners(rest.events)).toEqual([`${billing}:agent:started`, `${billing}:tool:called:late`, `${billing}:tool:completed:late`, `${billing}:agent:completed`])
    // The workflow is the run: no agent. A third start finds nothing held.
    expect(new SpanAssembler(new SqliteTraceStore(path)).index.get(trace(7))?.held.size).toBe(0)
  })

  it('skips rows it cannot read, and starts', () => {
    const path = tempDb()
    new SpanAssembler(new SqliteTraceStore(path), undefined, () => T0).take(firstHalf(8)).settle()
    const db = new Database(path)
    db.run("INSERT INTO otlp_traces (trace, meta, at) VALUES ('x', 'not json', 1), ('y', '{\"graph\":1}', 2)")
    db.run(`UPDATE otlp_spans SET held = '[{"id": 5}]' WHERE span = '${spanId(4)}'`)
    db.run(`INSERT INTO otlp_spans (trace, span, fact, held) VALUES ('${trace(8)}', 'zz', '[[[', NULL)`)
    db.close()
    const read = new SpanAssembler(new SqliteTraceStore(path))
    expect([read.index.size, read.index.get(trace(8))?.held.size, read.index.get(trace(8))?.spans.size]).toEqual([1, 0, 3])
  })

  it('holds work up to maxHeldBytes; past it, work whose agent is not known goes to the trace’s own agent at once', () => {
    const a = new SpanAssembler(undefined, { maxSpans: 1_000, ttlMs: 3_600_000, maxHeldBytes: 600 }, () => T0)
    a.take(firstHalf(10)).settle()
    expect(a.index.get(trace(10))?.held.size).toBe(1)
    const more = a.take([{ ...tool(10, 6, 3, 'email'), startMs: T0 + 52, endMs: T0 + 53 }])
    more.settle()
    expect(owners(more.events)).toEqual([`otel:${trace(10)}:tool:called`, `otel:${trace(10)}:tool:completed`])
    expect(a.index.get(trace(10))?.held.size).toBe(1)
    // Released, the room is there again.
    a.take(secondHalf(10)).settle()
    expect([a.stats().held, a.index.heldBytes]).toEqual([0, 0])
  })

  it('takes a parent loop or a span its own parent without hanging: the work goes to the trace’s own agent', () => {
    const a = new SpanAssembler()
    const loop = [chain(9, 2, 3), chain(9, 3, 2), tool(9, 4, 2, 'spin'), span(9, 6, 6, 'self', { 'openinference.span.kind': 'TOOL' })]
    const out = a.take(loop)
    expect(new Set(out.events.map((e) => e.agent_id))).toEqual(new Set([`otel:${trace(9)}`]))
    expect(out.rejected).toBe(0)
  })
})
