// The simulated Remora-like swarm `bun run start` runs by default: plans runs, schedules agents, narrates them onto the bus.
import type { EventBus } from '../events/bus'
import { makeEvent } from '../protocol/event'
import { answerSummary, type Answer } from '../protocol/form'
import type { AskBody } from '../protocol/question'
import { raceAbort, sleep } from '../client/abortable'
import { runChat } from './chat'
import { failureFor } from './failures'
import { defaultAnswer, resultFor } from './narration'
import { makePlan, type Plan, type PlannedAgent } from './plan'
import { completionFor, planNote, promptFor } from './prompts'
import { deriveSeed, intBetween, mulberry32 } from './rng'
import { modelCall, toolCall, type Emit, type Voice } from './steps'
import { answerStep, toolStep, type ToolCall } from './tools'

/** The slice of the question service the swarm needs; structural, so the demo does not import it. */
export interface Asker {
  /** registers the question and publishes agent:blocked itself */
  ask(input: AskBody): { msg_id: string; created: boolean }
  /** the coordinator publishes agent:resumed itself */
  waitForAnswer(msg_id: string, signal?: AbortSignal): Promise<{ answer: Answer; responded_at: number } | { timed_out: true } | { cancelled: true }>
}

export interface RunSummary {
  run: number
  graph_id: string
  total: number
  completed: number
  failed: number
  skipped: number
}

export interface DemoSwarmOptions {
  bus: Pick<EventBus, 'publish'>
  asker: Asker
  /** stops the swarm; the promise runDemoSwarm returns resolves right after */
  signal: AbortSignal
  /** divides every simulated delay; 1 ≈ one to two minutes per run when questions are answered promptly */
  speed?: number
  /** same seed, same sequence of plans */
  seed?: number
  /** agents holding a slot at once; a blocked agent keeps its slot while it waits for a human */
  maxConcurrent?: number
  /** not scaled by speed: it is wall-clock time for a human to look at a finished graph */
  pauseBetweenRunsMs?: number
  onRunEnd?: (summary: RunSummary) => void
  /** makes this start's run and agent ids unique (see makePlan) */
  tag?: string
}

type Outcome = 'completed' | 'failed' | 'skipped'

interface Ctx {
  bus: Pick<EventBus, 'publish'>
  asker: Asker
  signal: AbortSignal
  /** each agent's timings and narration come from its own rng derived from this, so a seed fixes them regardless of timing */
  seed: number
  speed: number
  maxConcurrent: number
}

// About one agent in three notes its plan when it starts: enough to see notes, not so many they are noise.
const NOTE_RATE = 1 / 3

/** Run plan after plan until `signal` aborts; resolves (never rejects) once stopped, unless something is broken. */
export async function runDemoSwarm(options: DemoSwarmOptions): Promise<void> {
  const { signal, speed = 1, maxConcurrent = 4, pauseBetweenRunsMs = 8000, onRunEnd } = options
  if (!(speed > 0)) throw new RangeError('speed must be > 0')
  if (!(maxConcurrent >= 1)) throw new RangeError('maxConcurrent must be ≥ 1')
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32)
  const planRng = mulberry32(seed)
  const ctx: Ctx = { bus: options.bus, asker: options.asker, signal, seed: seed ^ 0x5bd1e995, speed, maxConcurrent }
  try {
    for (let run = 1; !signal.aborted; run++) {
      const summary = await runOnce(ctx, makePlan(planRng, run, options.tag))
      onRunEnd?.(summary)
      await sleep(pauseBetweenRunsMs, signal)
    }
  } catch (error) {
    if (!signal.aborted) throw error
  }
}

async function runOnce(ctx: Ctx, plan: Plan): Promise<RunSummary> {
  const graph = (action: string, payload: Record<string, unknown>) =>
    ctx.bus.publish(makeEvent('graph', action, { graph_id: plan.graph_id, payload }))
  graph('started', { run: plan.run, agents: plan.agents.map(({ agent_id, name, depends_on }) => ({ agent_id, name, depends_on })) })
  // Settled into a value: when the run stops first, the chat's rejection must not go unhandled.
  const chat = chatSession(ctx, plan).then(() => undefined, (error: unknown) => ({ error }))
  const outcomes = await schedule(ctx, plan)
  const count = (o: Outcome) => [...outcomes.values()].filter((x) => x === o).length
  const counts = { total: plan.agents.length, completed: count('completed'), failed: count('failed'), skipped: count('skipped') }
  graph(counts.failed > 0 ? 'failed' : 'completed', counts)
  // The next run waits for this run's chat, so sessions do not pile up faster than runs.
  const stopped = await raceAbort(chat, ctx.signal)
  if (stopped) throw stopped.error
  return { run: plan.run, graph_id: plan.graph_id, ...counts }
}

/** An agent's voice: its events, its own rng (index 0 is the chat), pauses on the swarm's clock. */
function voiceOf(ctx: Ctx, plan: Plan, agentId: string, index: number, inGraph: boolean): Voice {
  const rng = mulberry32(deriveSeed(ctx.seed, plan.run, index))
  const ids = inGraph ? { agent_id: agentId, graph_id: plan.graph_id } : { agent_id: agentId }
  const emit: Emit = (category, action, payload) => ctx.bus.publish(makeEvent(category, action, { ...ids, payload }))
  const pause = async (minMs: number, maxMs: number) => {
    const ms = intBetween(rng, minMs, maxMs)
    await sleep(ms / ctx.speed, ctx.signal)
    return ms
  }
  return { emit, rng, pause }
}

/** The run's chat agent beside the graph; like any agent, a crash shows as its failure rather than stopping the swarm. */
async function chatSession(ctx: Ctx, plan: Plan): Promise<void> {
  const voice = voiceOf(ctx, plan, plan.chat.agent_id, 0, false)
  try {
    await runChat(voice, plan.chat.name)
  } catch (error) {
    if (ctx.signal.aborted) throw error
    voice.emit('agent', 'failed', { error: `demo agent crashed: ${error instanceof Error ? error.message : String(error)}` })
  }
}

/** Start every agent whose dependencies completed, at most maxConcurrent at once, until each has an outcome. */
async function schedule(ctx: Ctx, plan: Plan): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>()
  const pending = new Map(plan.agents.map((a) => [a.agent_id, a]))
  const running = new Map<string, Promise<string>>()
  while (pending.size > 0 || running.size > 0) {
    for (const agent of pending.values()) {
      if (running.size >= ctx.maxConcurrent) break
      if (!agent.depends_on.every((d) => outcomes.get(d) === 'completed')) continue
      pending.delete(agent.agent_id)
      const done = runAgent(ctx, plan, agent).then((o) => (outcomes.set(agent.agent_id, o), agent.agent_id))
      running.set(agent.agent_id, done)
    }
    // Nothing running and nothing startable: a dependency that is not in the plan. Skip rather than hang.
    if (running.size === 0) {
      for (const agent of pending.values()) skip(ctx, plan, agent, 'depends on an agent outside this run', outcomes)
      break
    }
    const finished = await raceAbort(Promise.race(running.values()), ctx.signal)
    running.delete(finished)
    if (outcomes.get(finished) === 'failed') skipDependents(ctx, plan, finished, pending, outcomes)
  }
  return outcomes
}

/** Every transitive dependent of a failed agent is skipped at once: none of them can ever start. */
function skipDependents(ctx: Ctx, plan: Plan, failedId: string, pending: Map<string, PlannedAgent>, outcomes: Map<string, Outcome>) {
  const doomed = new Set([failedId])
  let grew = true
  while (grew) {
    grew = false
    for (const agent of pending.values()) {
      if (!agent.depends_on.some((d) => doomed.has(d))) continue
      doomed.add(agent.agent_id)
      pending.delete(agent.agent_id)
      skip(ctx, plan, agent, `${failedId} failed`, outcomes)
      grew = true
    }
  }
}

function skip(ctx: Ctx, plan: Plan, agent: PlannedAgent, reason: string, outcomes: Map<string, Outcome>) {
  outcomes.set(agent.agent_id, 'skipped')
  ctx.bus.publish(makeEvent('agent', 'skipped', { agent_id: agent.agent_id, graph_id: plan.graph_id, payload: { reason } }))
}

/** One agent's life on the bus. Only rejects when the swarm is stopped; any other error becomes agent:failed. */
async function runAgent(ctx: Ctx, plan: Plan, agent: PlannedAgent): Promise<Outcome> {
  const voice = voiceOf(ctx, plan, agent.agent_id, plan.agents.indexOf(agent) + 1, true)
  const { emit, rng } = voice
  emit('agent', 'started', { name: agent.name })
  try {
    const askAfter = agent.asks ? intBetween(rng, 0, agent.steps - 1) : -1
    let answer: string | undefined
    let last: ToolCall | undefined
    await voice.pause(300, 1200)
    if (rng() < NOTE_RATE) emit('agent', 'note', { text: planNote(agent) })
    for (let step = 0; step < agent.steps; step++) {
      last = await workStep(voice, agent, last)
      if (step === askAfter) [answer, last] = await askAndApply(ctx, plan, agent, voice, last)
    }
    if (agent.fails) {
      emit('agent', 'failed', { error: await failingStep(voice, agent, last) })
      return 'failed'
    }
    emit('agent', 'completed', { result: resultFor(rng, agent, answer) })
    return 'completed'
  } catch (error) {
    if (ctx.signal.aborted) throw error
    // e.g. the question service refused the question: show it on the card instead of killing the swarm.
    emit('agent', 'failed', { error: `demo agent crashed: ${error instanceof Error ? error.message : String(error)}` })
    return 'failed'
  }
}

/** A model round trip that decides on a tool (it sees the last call's result), then the tool call. */
async function workStep(voice: Voice, agent: PlannedAgent, last: ToolCall | undefined): Promise<ToolCall> {
  const call = toolStep(voice.rng, agent)
  await modelCall(voice, { input: promptFor(agent, last), output: completionFor(call, last) })
  await toolCall(voice, call)
  return call
}

/** The step that went wrong, then the multi-line error the agent fails with. */
async function failingStep(voice: Voice, agent: PlannedAgent, last: ToolCall | undefined): Promise<string> {
  const { step, error } = failureFor(voice.rng, agent)
  const input = promptFor(agent, last)
  if (step.kind === 'model') {
    await modelCall(voice, { input, error: step.error })
  } else {
    await modelCall(voice, { input, output: completionFor(step.call, last) })
    await toolCall(voice, step.call)
  }
  return error
}

/** Ask through the coordinator, wait as long as it takes, then act on the answer (the first option if it timed out). */
async function askAndApply(ctx: Ctx, plan: Plan, agent: PlannedAgent, voice: Voice, last: ToolCall): Promise<[string, ToolCall]> {
  const { question, options, kind, schema, context } = agent.asks!
  const { msg_id } = ctx.asker.ask({ agent_id: agent.agent_id, question, options, kind, schema, context, graph_id: plan.graph_id })
  // Raced here too: an asker that ignores the signal must not keep a stopped swarm alive.
  const reply = await raceAbort(ctx.asker.waitForAnswer(msg_id, ctx.signal), ctx.signal)
  const answer = 'answer' in reply ? answerSummary(reply.answer) : defaultAnswer(agent)
  const call = answerStep(voice.rng, agent, answer)
  await modelCall(voice, { input: `${promptFor(agent, last)}\nuser: ${answer}`, output: completionFor(call) })
  await toolCall(voice, call, 300, 900)
  return [answer, call]
}
