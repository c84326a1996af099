// A warning per distinct problem, not per occurrence: a bad record is met on every poll.
export class OnceLog {
  private readonly seen = new Set<string>()

  constructor(private readonly prefix: string) {}

  report(key: string, error: unknown): void {
    const tag = `${key}:${String(error)}`
    if (this.seen.has(tag)) return
    // Bounded: a flood of distinct problems starts the count again rather than growing without end.
    if (this.seen.size > 1000) this.seen.clear()
    this.seen.add(tag)
    console.warn(`${this.prefix} ${key}: ${String(error)}`)
  }
}
