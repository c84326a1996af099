// Demo swarm: the seeded plan, scheduling under the concurrency cap, failure propagation, questions, and stopping.
import { recordFromInput } from '../src/questions/question-record'
import { beforeAll, describe, expect, it } from 'bun:test'
import { EventBus } from '../src/events/bus'
import { wireName, type Event } from '../src/protocol/event'
import { makePlan, SHIP_FORM } from '../src/demo/plan'
import { mulberry32 } from '../src/demo/rng'
import { runDemoSwarm } from '../src/demo/swarm'
import { agentEvents, agentTools, fakeAsker, interestingSeed, record, TERMINAL, wire, type Recorded } from './support/demo-swarm'

describe('makePlan', () => {
  it('gives each start of the demo its own run and agent ids with a tag', () => {
    const tagged = makePlan(mulberry32(42), 3, 'k9x')
    expect(tagged.graph_id).toBe('demo-k9x-run-3')
    expect(tagged.agents.every((a) => a.agent_id.startsWith('k9x-r3-'))).toBe(true)
    expect(tagged.agents.flatMap((a) => a.depends_on).every((id) => id.startsWith('k9x-r3-'))).toBe(true)
  })
  it('shows a failure in every run: a run that drew none fails a test agent', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const failing = makePlan(mulberry32(seed), 1).agents.filter((a) => a.fails)
      expect(failing.length).toBeGreaterThan(0)
    }
  })
  it('is deterministic for a seed and differs between seeds', () => {
    expect(makePlan(mulberry32(42), 1)).toEqual(makePlan(mulberry32(42), 1))
    expect(makePlan(mulberry32(42), 1)).not.toEqual(makePlan(mulberry32(43), 1))
  })

  it('has about 20 agents, about 1 in 5 asking, unique run-scoped ids and acyclic dependencies', () => {
    let agents = 0
    let fails = 0
    for (let seed = 1; seed <= 100; seed++) {
      const plan = makePlan(mulberry32(seed), 7)
      expect(plan.graph_id).toBe('run-7')
      expect(plan.agents.length).toBeGreaterThanOrEqual(17)
      expect(plan.agents.length).toBeLessThanOrEqual(23)
      expect(plan.agents.filter((a) => a.asks).length).toBe(Math.round(plan.agents.length / 5))
      const seen = new Set<string>()
      for (const a of plan.agents) {
        expect(a.agent_id.startsWith('r7-')).toBe(true)
        for (const d of a.depends_on) expect(seen.has(d)).toBe(true) // listed after its dependencies: no cycle
        seen.add(a.agent_id)
        // a choice among options, an approval, or a form: each answerable
        if (a.asks) expect(a.asks.options.length >= 2 || a.asks.kind === 'approval' || a.asks.schema !== undefined).toBe(true)
      }
      expect(seen.size).toBe(plan.agents.length)
      agents += plan.agents.length
      fails += plan.agents.filter((a) => a.fails).length
    }
    expect(fails / agents).toBeGreaterThan(0.02)
    expect(fails / agents).toBeLessThan(0.09)
  })

  it('asks the kind of questions a Remora swarm asks', () => {
    const questions = Array.from({ length: 300 }, (_, i) => makePlan(mulberry32(i), 1).agents)
      .flat()
      .flatMap((a) => (a.asks ? [a.asks] : []))
    expect(questions).toContainEqual(expect.objectContaining({ question: 'Which docstring style for parser.py?', options: ['google', 'numpy', 'sphinx'] }))
    expect(questions).toContainEqual(expect.objectContaining({ question: 'Rename `parse_args` to `parse_cli_args`?', kind: 'approval' }))
    expect(questions).toContainEqual({ question: 'Tests for cli.py: pytest or unittest?', options: ['pytest', 'unittest'] })
    expect(questions).toContainEqual(expect.objectContaining({ question: 'How should the changes ship?', kind: 'form', schema: SHIP_FORM }))
    // every question the demo asks is one the question service accepts
    for (const q of questions.slice(0, 50)) expect(() => recordFromInput({ agent_id: 'a', ...q }, Date.now())).not.toThrow()
  })
})

describe('runDemoSwarm', () => {
  const seed = interestingSeed()
  let run: Recorded
  beforeAll(async () => {
    run = await record(seed)
  })

  it('publishes graph:started with the seeded plan, then graph:failed with counts when an agent failed', () => {
    const started = wire(run.events, 'graph:started')
    expect(started).toHaveLength(1)
    expect(started[0]!.graph_id).toBe('run-1')
    expect(started[0]!.payload.agents).toEqual(run.plan.agents.map(({ agent_id, name, depends_on }) => ({ agent_id, name, depends_on })))
    // The run's chat agent is not in the graph and may still talk after it ends: the graph's last event is its end.
    const end = run.events.filter((e) => e.category === 'graph').at(-1)!
    expect(wireName(end)).toBe('graph:failed')
    const { total, completed, failed, skipped } = run.summaries[0]!
    expect(end.payload).toEqual({ total, completed, failed, skipped })
    expect(total).toBe(run.plan.agents.length)
    expect(completed + failed + skipped).toBe(total)
    expect(failed).toBeGreaterThan(0)
    expect(skipped).toBeGreaterThan(0)
  })

  it('ends every agent in exactly one terminal event, and nothing follows it', () => {
    for (const { agent_id } of run.plan.agents) {
      const mine = agentEvents(run.events, agent_id)
      expect(mine.filter((e) => TERMINAL.has(wireName(e)))).toHaveLength(1)
      expect(TERMINAL.has(wireName(mine.at(-1)!))).toBe(true)
      const all = run.events.filter((e) => e.agent_id === agent_id)
      expect(all.at(-1)).toBe(mine.at(-1)!)
    }
  })

  // "Running" = between agent:started and its terminal event; a blocked agent still holds its slot, so it counts.
  // The chat agent is outside the graph and holds no slot.
  it('never has more than maxConcurrent agents running, blocked ones included', async () => {
    const peak = (events: Event[]) => {
      let running = 0
      let max = 0
      for (const e of events.filter((x) => x.graph_id !== undefined)) {
        if (wireName(e) === 'agent:started') max = Math.max(max, ++running)
        else if (TERMINAL.has(wireName(e)) && e.action !== 'skipped') running--
      }
      return max
    }
    expect(peak(run.events)).toBe(4)
    expect(peak((await record(seed, { maxConcurrent: 2 })).events)).toBe(2)
  })

  it('starts an agent only after all its dependencies completed', () => {
    const completedAt = new Map<string, number>()
    run.events.forEach((e, i) => wireName(e) === 'agent:completed' && completedAt.set(e.agent_id!, i))
    run.events.forEach((e, i) => {
      if (wireName(e) !== 'agent:started' || e.agent_id === run.plan.chat.agent_id) return
      for (const d of run.plan.agents.find((a) => a.agent_id === e.agent_id)!.depends_on) expect(completedAt.get(d)!).toBeLessThan(i)
    })
  })

  it('skips every transitive dependent of a failed agent and never starts it', () => {
    const failed = wire(run.events, 'agent:failed').map((e) => e.agent_id!)
    expect(failed.length).toBeGreaterThan(0)
    const doomed = new Set(failed)
    for (const a of run.plan.agents) if (a.depends_on.some((d) => doomed.has(d))) doomed.add(a.agent_id) // plan order is topological
    for (const f of failed) doomed.delete(f)
    expect(doomed.size).toBeGreaterThan(0)
    const skipped = wire(run.events, 'agent:skipped')
    expect(new Set(skipped.map((e) => e.agent_id))).toEqual(doomed)
    for (const e of skipped) expect(String(e.payload.reason)).toContain('failed')
    const started = new Set(wire(run.events, 'agent:started').map((e) => e.agent_id))
    for (const id of doomed) expect(started.has(id)).toBe(false)
  })

  it('asks its questions through the asker and acts on the answer', () => {
    const startedIds = new Set(wire(run.events, 'agent:started').map((e) => e.agent_id))
    const askers = run.plan.agents.filter((a) => a.asks && startedIds.has(a.agent_id))
    expect(askers.length).toBeGreaterThan(0)
    expect(run.asked.map((q) => q.agent_id).sort()).toEqual(askers.map((a) => a.agent_id).sort())
    for (const q of run.asked) expect(q.graph_id).toBe('run-1')
    const lint = askers.find((a) => a.kind === 'lint' && !a.fails)!
    const style = lint.asks!.options[0]!
    const tools = agentTools(run.events, lint.agent_id)
    expect(tools.some((e) => e.payload.tool === 'edit_file' && (e.payload.args as Record<string, unknown>).docstring_style === style)).toBe(true)
    const done = wire(run.events, 'agent:completed').find((e) => e.agent_id === lint.agent_id)!
    expect(done.payload.result).toContain(`${style}-style docstrings`)
  })

  it('carries on with the first option when a question times out', async () => {
    const timedOut = await record(seed, { mode: 'timeout' })
    expect(timedOut.asked.length).toBeGreaterThan(0)
    for (const q of timedOut.asked) {
      expect(TERMINAL.has(wireName(agentEvents(timedOut.events, q.agent_id).at(-1)!))).toBe(true)
      expect(wire(timedOut.events, 'agent:skipped').some((e) => e.agent_id === q.agent_id)).toBe(false)
    }
  })

  it('starts a new run with a new run number after the pause', async () => {
    const two = await record(seed, { runs: 2 })
    expect(wire(two.events, 'graph:started').map((e) => e.graph_id)).toEqual(['run-1', 'run-2'])
    const second = wire(two.events, 'graph:started')[1]!.payload.agents as { agent_id: string }[]
    for (const a of second) expect(a.agent_id.startsWith('r2-')).toBe(true)
    expect(two.summaries.map((s) => s.run)).toEqual([1, 2])
  })

  it('stops promptly while a question is unanswered, even if the asker ignores the signal', async () => {
    const bus = new EventBus()
    const events: Event[] = []
    bus.listen((e) => events.push(e))
    const { asker, asked1 } = fakeAsker(bus, 'never')
    const ac = new AbortController()
    const stopped = runDemoSwarm({ bus, asker, signal: ac.signal, seed, speed: 1000 })
    await asked1
    ac.abort()
    const publishedAtAbort = events.length
    // A swarm that did not stop never resolves: the test's own timeout fails it (a 1 s race was a timed assertion).
    await stopped
    expect(events.length).toBe(publishedAtAbort)
  })

  it('returns at once for a signal that is already aborted', async () => {
    const bus = new EventBus()
    const events: Event[] = []
    bus.listen((e) => events.push(e))
    await runDemoSwarm({ bus, asker: fakeAsker(bus, 'first-option').asker, signal: AbortSignal.abort(), seed })
    expect(events).toHaveLength(0)
  })
})
