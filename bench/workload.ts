// The event sequence every scenario publishes: a swarm's lifecycle and tool traffic, with latency probes.
import { makeEvent, type Event } from '../src/protocol/event'

export interface Step {
  event: Event
  /** set on probe steps: an agent:started for `probe-<n>`, whose id the client looks for */
  probe?: number
}

export interface WorkloadOptions {
  events: number
  agents: number
  /** one probe every this many events */
  probeEvery: number
}

export const probeId = (n: number) => `probe-${n}`

function trafficEvent(i: number, agents: number): Event {
  const agent_id = `agent-${i % agents}`
  const tool = ['search', 'read_file', 'write_file', 'run_tests'][i % 4]
  switch (Math.floor(i / agents) % 4) {
    case 0:
      return makeEvent('tool', 'started', { agent_id, payload: { tool, args: { n: i } } })
    case 1:
      return makeEvent('tool', 'completed', { agent_id, payload: { tool, result: `ok ${i}` } })
    case 2:
      return makeEvent('model', 'request', { agent_id, payload: { model: 'bench-model' } })
    default:
      return makeEvent('model', 'response', { agent_id, payload: { model: 'bench-model', tokens: 100 + (i % 50) } })
  }
}

/** Exactly `events` steps: agents start, traffic with a probe every `probeEvery`, agents complete. */
export function buildWorkload({ events, agents, probeEvery }: WorkloadOptions): Step[] {
  const steps: Step[] = []
  for (let a = 0; a < agents; a++) steps.push({ event: makeEvent('agent', 'started', { agent_id: `agent-${a}` }) })
  const trafficEnd = events - agents
  let probes = 0
  for (let i = 0; steps.length < trafficEnd; i++) {
    if (steps.length % probeEvery === 0) {
      const n = probes++
      steps.push({ probe: n, event: makeEvent('agent', 'started', { agent_id: probeId(n), payload: { probe: n } }) })
    } else steps.push({ event: trafficEvent(i, agents) })
  }
  for (let a = 0; a < agents && steps.length < events; a++)
    steps.push({ event: makeEvent('agent', 'completed', { agent_id: `agent-${a}`, payload: { summary: 'done' } }) })
  return steps
}

export const probeCount = (steps: readonly Step[]) => steps.filter((s) => s.probe !== undefined).length
