// Once per incident, not per occurrence: the one helper for a problem met again and again (a bad record on every poll, a busy store on every write).
import type { Logger } from '@logtape/logtape'
import { logger } from './log'

/** Open incidents remembered at most: a flood of distinct problems starts the count again rather than growing without end. */
export const MAX_INCIDENTS = 1000

export class OnceLog {
  private readonly open = new Set<string>()

  /** `prefix` opens each report() line; `log` is the part's logger. */
  constructor(
    private readonly prefix: string,
    private readonly log: Logger = logger('server'),
  ) {}

  /** True the first time `key` is met since it last ended: say so then, and not for its repeats. */
  begins(key: string): boolean {
    if (this.open.has(key)) return false
    if (this.open.size >= MAX_INCIDENTS) this.open.clear()
    this.open.add(key)
    return true
  }

  /** `key` is over (a next time is a new incident): true when it was open, so the caller can say it recovered. */
  ends(key: string): boolean {
    return this.open.delete(key)
  }

  /** Every open incident ends at once (the part recovered from all of them): their keys, to say so. */
  endAll(): string[] {
    const ended = [...this.open]
    this.open.clear()
    return ended
  }

  /** A warning for a problem with `key`, once per distinct problem. */
  report(key: string, error: unknown): void {
    const reason = String(error)
    if (this.begins(`${key}:${reason}`)) this.log.warn(`${this.prefix} ${key}: ${reason}`, { key, error: reason })
  }
}
