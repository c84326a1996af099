// Each webhook receiver's own slots and backoff: a receiver that hangs or fails holds its own slots and waits out
// its own backoff, never another's (one shared pool let a hanging receiver starve a good one).
import { backoff, type RetryPolicy } from './retry'

interface Receiver {
  /** delivery ids in flight to this receiver */
  inflight: Set<string>
  /** retryable failures in a row; 0 while it takes deliveries */
  failures: number
  /** no new attempt starts before this (its backoff) */
  heldUntil: number
  /** when the last failure was recorded: an attempt started by then brings no news and does not double the wait (a retry starts after its hold, later) */
  failedAt: number
}

export interface ReceiverState {
  url: string
  inflight: number
  failures: number
  heldUntil: number
}

export class Receivers {
  private readonly byUrl = new Map<string, Receiver>()
  private turn = 0

  /** `perReceiver` POSTs at once to one URL; `total` over all of them (with more receivers than total/perReceiver they take turns). */
  constructor(
    urls: readonly string[],
    private readonly perReceiver: number,
    private readonly total: number,
  ) {
    for (const url of urls) this.byUrl.set(url, { inflight: new Set(), failures: 0, heldUntil: 0, failedAt: -Infinity })
  }

  urls(): string[] {
    return [...this.byUrl.keys()]
  }

  /** The URLs, starting one further each call: when the total cap binds, each receiver gets the first free slot in turn. */
  rotation(): string[] {
    const urls = [...this.byUrl.keys()]
    const from = this.turn++ % Math.max(1, urls.length)
    return [...urls.slice(from), ...urls.slice(0, from)]
  }

  /** How many attempts `url` may start now: 0 while it is in its backoff or its slots (or all slots) are taken. */
  room(url: string, now: number): number {
    const r = this.byUrl.get(url)
    if (!r || now < r.heldUntil) return 0
    return Math.max(0, Math.min(this.perReceiver - r.inflight.size, this.total - this.inflightCount()))
  }

  inflightCount(): number {
    let n = 0
    for (const r of this.byUrl.values()) n += r.inflight.size
    return n
  }

  inflightOf(url: string): number {
    return this.byUrl.get(url)?.inflight.size ?? 0
  }

  /** When `url` may start again, if it is in its backoff now. */
  heldUntil(url: string, now: number): number | undefined {
    const at = this.byUrl.get(url)?.heldUntil ?? 0
    return at > now ? at : undefined
  }

  started(url: string, deliveryId: string): void {
    this.byUrl.get(url)?.inflight.add(deliveryId)
  }

  ended(url: string, deliveryId: string): void {
    this.byUrl.get(url)?.inflight.delete(deliveryId)
  }

  /** It took a delivery: its backoff ends. True when it had been failing (worth a log line). */
  succeeded(url: string): boolean {
    const r = this.byUrl.get(url)
    if (!r) return false
    const was = r.failures > 0
    r.failures = 0
    r.heldUntil = 0
    return was
  }

  /**
   * A retryable failure of an attempt started at `startedAt`: the receiver waits (its notices with it) until the
   * returned time, doubling with each failure in a row; `after` (its Retry-After) is obeyed when longer.
   * `first` is true for the failure that opens an incident.
   */
  failed(url: string, startedAt: number, now: number, policy: RetryPolicy, after = 0): { until: number; first: boolean } {
    const r = this.byUrl.get(url)
    if (!r) return { until: now + backoff(1, policy), first: false }
    const first = r.failures === 0
    // Attempts already in flight when it began failing fail together: one failure, not one doubling each.
    if (startedAt > r.failedAt || first) r.failures++
    r.failedAt = now
    r.heldUntil = Math.max(r.heldUntil, now + Math.max(backoff(r.failures, policy), after))
    return { until: r.heldUntil, first }
  }

  state(url: string): ReceiverState | undefined {
    const r = this.byUrl.get(url)
    return r && { url, inflight: r.inflight.size, failures: r.failures, heldUntil: r.heldUntil }
  }
}
