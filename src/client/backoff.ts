// Retry timing: capped exponential backoff with jitter.

export interface BackoffOptions {
  /** first delay; default 100 ms */
  baseMs?: number
  /** no delay exceeds this; default 5 s, short enough that a restarted server is noticed quickly */
  maxMs?: number
}

/**
 * Delay before retry number `attempt` (0-based): half of the exponential step is fixed, half random
 * ("equal jitter"), so many agents retrying a restarted server do not arrive in lockstep, yet every
 * agent still backs off at least half the step.
 */
export function backoffDelay(attempt: number, { baseMs = 100, maxMs = 5_000 }: BackoffOptions = {}, random = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30))
  return step / 2 + random() * (step / 2)
}
