// Running the demo swarm in a test: an asker standing in for the inbox questions, and a recorder of one or more runs.
import { EventBus } from '../../src/events/bus'
import { makeEvent, wireName, type Event } from '../../src/protocol/event'
import { makePlan, type Plan } from '../../src/demo/plan'
import { mulberry32 } from '../../src/demo/rng'
import { runDemoSwarm, type Asker, type RunSummary } from '../../src/demo/swarm'

export type AskInput = Parameters<Asker['ask']>[0]
export type Mode = 'first-option' | 'timeout' | 'never'
export const TERMINAL = new Set(['agent:completed', 'agent:failed', 'agent:skipped'])

/** Stands in for the inbox questions: publishes blocked/resumed like it does, answers per `mode`. */
export function fakeAsker(bus: EventBus, mode: Mode) {
  const asked: AskInput[] = []
  const byMsg = new Map<string, AskInput>()
  let firstAsk!: () => void
  const asked1 = new Promise<void>((resolve) => (firstAsk = resolve))
  const asker: Asker = {
    ask(input) {
      const msg_id = `q-${asked.length + 1}`
      asked.push(input)
      byMsg.set(msg_id, input)
      const { agent_id, graph_id, question, options } = input
      bus.publish(makeEvent('agent', 'blocked', { agent_id, graph_id, payload: { msg_id, question, options } }))
      firstAsk()
      return { msg_id, created: true }
    },
    // 'never' ignores the signal on purpose: the swarm must not depend on the asker to stop.
    waitForAnswer(msg_id) {
      if (mode === 'never') return new Promise(() => {})
      const { agent_id, graph_id, options } = byMsg.get(msg_id)!
      if (mode === 'timeout') {
        bus.publish(makeEvent('agent', 'resumed', { agent_id, graph_id, payload: { msg_id, timed_out: true } }))
        return Promise.resolve({ timed_out: true as const })
      }
      const answer = options![0]!
      bus.publish(makeEvent('agent', 'resumed', { agent_id, graph_id, payload: { msg_id, answer } }))
      return Promise.resolve({ answer, responded_at: Date.now() })
    },
  }
  return { asker, asked, asked1 }
}

export interface Recorded {
  events: Event[]
  summaries: RunSummary[]
  asked: AskInput[]
  plan: Plan
}

/** Run the swarm fast until `runs` runs have ended; synchronised on onRunEnd, not on time. */
export async function record(seed: number, opts: { mode?: Mode; runs?: number; maxConcurrent?: number } = {}): Promise<Recorded> {
  const bus = new EventBus()
  const events: Event[] = []
  bus.listen((e) => events.push(e))
  const { asker, asked } = fakeAsker(bus, opts.mode ?? 'first-option')
  const ac = new AbortController()
  const summaries: RunSummary[] = []
  await runDemoSwarm({
    bus, asker, signal: ac.signal, seed, speed: 1000, pauseBetweenRunsMs: 1, maxConcurrent: opts.maxConcurrent,
    onRunEnd: (s) => (summaries.push(s), summaries.length >= (opts.runs ?? 1) && ac.abort()),
  })
  return { events, summaries, asked, plan: makePlan(mulberry32(seed), 1) }
}

export const agentEvents = (events: Event[], id: string) => events.filter((e) => e.agent_id === id && e.category === 'agent')
export const agentTools = (events: Event[], id: string) => events.filter((e) => e.agent_id === id && e.category === 'tool')
export const wire = (events: Event[], name: string) => events.filter((e) => wireName(e) === name)

/** The first seed whose run-1 plan has a failing agent with dependents and a question that will be asked. */
export function interestingSeed(): number {
  for (let seed = 1; seed < 10_000; seed++) {
    const { agents } = makePlan(mulberry32(seed), 1)
    const failing = agents.find((a) => a.fails && agents.some((b) => b.depends_on.includes(a.agent_id)))
    if (failing && agents.some((a) => a.asks && a.kind === 'lint' && !a.fails)) return seed
  }
  throw new Error('no seed with a failing agent that has dependents')
}
