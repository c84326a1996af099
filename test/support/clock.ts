// A clock a test moves by hand: its timers fire when advance() passes their time, never on their own.
// It fits the clock/timers options of the webhook notifier, the cluster relay and the SSE hub.

interface Timer {
  at: number
  run: () => void
  /** an interval's period; a timeout has none */
  every?: number
}

export class ManualClock {
  private at: number
  private readonly timers = new Map<number, Timer>()
  private nextId = 1
  /** timers fired so far */
  fired = 0

  constructor(start = Date.now()) {
    this.at = start
  }

  readonly now = (): number => this.at
  readonly setTimeout = (run: () => void, ms = 0): number => this.add({ at: this.at + Math.max(0, ms), run })
  readonly setInterval = (run: () => void, ms: number): number => this.add({ at: this.at + Math.max(1, ms), run, every: Math.max(1, ms) })
  readonly clearTimeout = (handle: unknown): void => void this.timers.delete(handle as number)
  readonly clearInterval = (handle: unknown): void => void this.timers.delete(handle as number)
  readonly sleep = (ms: number): Promise<void> => new Promise((resolve) => this.setTimeout(resolve, ms))

  /** How many timers wait: a test can tell that the code under test has set the one it expects. */
  get pending(): number {
    return this.timers.size
  }

  /** Move time on by `ms`, firing every timer that falls due on the way, in time order (those they set included). */
  advance(ms: number): void {
    const end = this.at + ms
    for (let atOnce = 0, last = NaN; ; ) {
      let nextId: number | undefined
      let next: Timer | undefined
      for (const [id, t] of this.timers) if (t.at <= end && (!next || t.at < next.at)) (nextId = id), (next = t)
      if (!next) break
      // Code that sets a 0 ms timer from its own timer spins; in real time it would burn a core, here it would hang.
      atOnce = next.at === last ? atOnce + 1 : 0
      if (atOnce > 1_000) throw new Error(`more than 1000 timers fell due at ${next.at}: a timer keeps setting itself for now (a busy loop)`)
      last = this.at = next.at
      if (next.every) next.at += next.every
      else this.timers.delete(nextId!)
      this.fired++
      next.run()
    }
    this.at = end
  }

  private add(timer: Timer): number {
    const id = this.nextId++
    this.timers.set(id, timer)
    return id
  }
}
