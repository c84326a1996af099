// The two servers under test behind one shape: Switchboard (full stack) and the raw Bun.serve baseline.
import { startTestServer } from '../test/support/server'
import { startBaseline } from './baseline-server'
import { probeId, type Step } from './workload'

export interface TargetStats {
  /** panel renders (Switchboard only): one per flush, whatever the number of clients */
  renders?: number
  /** frames broadcast (flushes that had something to send) */
  broadcasts: number
  /** bytes of those frames, counted once (shared by every client) */
  bytes: number
  dropped: number
}

export interface Target {
  url: string
  publish(step: Step): void
  stats(): TargetStats
  stop(): Promise<void>
}

export const FLUSH_MS = 50
export const MAX_QUEUE_BYTES = 1 << 20

export async function switchboardTarget(): Promise<Target> {
  const server = await startTestServer({ stream: { flushMs: FLUSH_MS }, hub: { maxQueueBytes: MAX_QUEUE_BYTES } })
  const counted = { broadcasts: 0, bytes: 0 }
  // Count what the dashboard's channel fans out without changing it: one call per filter key per flush.
  const channel = server.hub.channel('dashboard')
  const broadcast = channel.broadcast.bind(channel)
  channel.broadcast = (key, frame) => {
    counted.broadcasts++
    counted.bytes += frame.byteLength
    broadcast(key, frame)
  }
  return {
    url: `${server.url}/events`,
    publish: (step) => void server.bus.publish(step.event),
    stats: () => ({ renders: server.stream.renders, ...counted, dropped: server.hub.dropped.length }),
    stop: () => server.stop(),
  }
}

export function baselineTarget(frameBytes: number, frameEvents: number): Target {
  const server = startBaseline({ flushMs: FLUSH_MS, frameBytes, frameEvents, maxQueueBytes: MAX_QUEUE_BYTES })
  return {
    url: server.url,
    publish: (step) => server.publish(step.probe === undefined ? undefined : probeId(step.probe)),
    stats: () => ({ ...server.stats }),
    stop: async () => server.stop(),
  }
}
