// The hub's typed channels: each stream's keys, tags and counts are its own.
import { afterEach, describe, expect, it } from 'bun:test'
import { SseHub } from '../src/live/sse-hub'
import { metrics } from '../src/telemetry/metrics'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (chunk: Uint8Array | undefined) => new TextDecoder().decode(chunk)

let hub: SseHub | undefined
afterEach(() => {
  hub?.close()
  hub = undefined
})

const gauge = async (stream: string) => (await metrics.sseClients.get()).values.find((v) => v.labels.stream === stream)?.value ?? 0
const counted = async (stream: string) => (await metrics.sseFrameBytes.get()).values.find((v) => v.labels.stream === stream)?.value ?? 0

describe('SseHub channels', () => {
  // Regression: the streams shared one key space, kept apart by prefixes each stream had to remember.
  it('keeps the same key on two channels apart', async () => {
    hub = new SseHub()
    const dashboard = hub.channel('dashboard').open('k', bytes('d0\n\n')).getReader()
    const graph = hub.channel('run-graph').open('k', bytes('g0\n\n')).getReader()
    expect(text((await dashboard.read()).value)).toBe('d0\n\n')
    expect(text((await graph.read()).value)).toBe('g0\n\n')
    hub.channel('run-graph').broadcast('k', bytes('g1\n\n'))
    hub.channel('dashboard').broadcast('k', bytes('d1\n\n'))
    expect(text((await graph.read()).value)).toBe('g1\n\n')
    // Queued frames come out as one chunk: had g1 reached the dashboard's client, it would be in this one.
    expect(text((await dashboard.read()).value)).toBe('d1\n\n')
    expect(hub.channel('dashboard').activeKeys()).toEqual(new Set(['k']))
  })

  it('sends a tab its frame on its own channel only', async () => {
    hub = new SseHub()
    hub.channel('dashboard').open('k', bytes('d0\n\n'), undefined, 'tab-1')
    expect(hub.channel('run-graph').sendTo('tab-1', bytes('x\n\n'))).toBe(false)
    expect(hub.channel('dashboard').sendTo('tab-1', bytes('x\n\n'))).toBe(true)
  })

  // Regression: a run graph's client was counted as a dashboard's (a positional default), its frames not at all.
  it('counts each client and each frame under its own stream', async () => {
    hub = new SseHub()
    const before = { graph: await gauge('run-graph'), dashboard: await gauge('dashboard'), bytes: await counted('run-graph') }
    const abort = new AbortController()
    hub.channel('run-graph').open('g', bytes('g0\n\n'), abort.signal)
    expect(await gauge('run-graph')).toBe(before.graph + 1)
    expect(await gauge('dashboard')).toBe(before.dashboard)
    hub.channel('run-graph').broadcast('g', bytes('12345'))
    expect(await counted('run-graph')).toBe(before.bytes + 5)
    abort.abort()
    expect(await gauge('run-graph')).toBe(before.graph)
    expect(hub.size).toBe(0)
  })
})
