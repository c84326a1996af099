// When a failed delivery is tried again, and which failures are final.
import { DEFAULTS } from '../protocol/defaults'

export interface RetryPolicy {
  /** the delay after the first failure; each next one doubles */
  firstMs: number
  /** no backoff is longer (a Retry-After may ask for up to RETRY_AFTER_MAX_MS) */
  capMs: number
  /** give up after this many attempts… */
  maxAttempts: number
  /** …or once the notice is this old */
  maxAgeMs: number
}

// 2 s doubling to a 5-minute cap (protocol/defaults.ts says why); after a day it is recorded as given up.
export const DEFAULT_RETRY: RetryPolicy = { firstMs: DEFAULTS.webhookRetryMs, capMs: DEFAULTS.webhookRetryCapMs, maxAttempts: 300, maxAgeMs: 24 * 3_600_000 }
/** The time retries wait in: the system's, or a clock a test moves by hand instead of racing real delays. */
export interface RetryClock {
  now(): number
  setTimeout(run: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export const SYSTEM_CLOCK: RetryClock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

/** a receiver asking for longer (Retry-After) is obeyed up to this */
const RETRY_AFTER_MAX_MS = 3_600_000

/** The wait after `failures` failed attempts: exponential, capped, half of it random (so receivers coming back are not hit in step). */
export function backoff(failures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const full = Math.min(policy.capMs, policy.firstMs * 2 ** Math.min(failures - 1, 30))
  return Math.round(full / 2 + (random() * full) / 2)
}

/** Retry-After as milliseconds from now (seconds or an HTTP date), bounded; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined
  const ms = /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - now
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), RETRY_AFTER_MAX_MS) : undefined
}

/**
 * 2xx delivered. 408, 429 and 5xx are the receiver's passing trouble: retried. Any other status (4xx,
 * a redirect, which is not followed: a POST turned into a GET would lose the body) is final.
 */
export function verdict(status: number): 'delivered' | 'retry' | 'final' {
  if (status >= 200 && status < 300) return 'delivered'
  if (status === 408 || status === 429 || status >= 500) return 'retry'
  return 'final'
}
