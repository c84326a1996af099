// Events stored but not applicable to their agent (its machine rejected them), told back to the writer waiting
// on them: nothing is acknowledged and silently dropped.
export interface IgnoredEvent {
  id: string
  reason: string
}

/** Events listed by id in a 202 at most; the count says how many in all. */
export const MAX_IGNORED_LISTED = 20

/** One writer's events, watched from before they are taken until they are stored and shown. */
export class IgnoredWatch {
  ignored = 0
  readonly events: IgnoredEvent[] = []

  constructor(
    private readonly ids: readonly string[],
    private readonly done: (watch: IgnoredWatch, ids: readonly string[]) => void,
  ) {}

  add(id: string, reason: string): void {
    this.ignored++
    if (this.events.length < MAX_IGNORED_LISTED) this.events.push({ id, reason })
  }

  /** Stop watching (always, in a finally): what was recorded stays readable. */
  end(): void {
    this.done(this, this.ids)
  }
}

/**
 * Only ids someone waits on are kept, and only while they wait: O(1) per rejected event, and memory bounded by
 * the batches in flight whatever the other writers (demo, MCP, OTLP) send.
 */
export class IgnoredEvents {
  private readonly watching = new Map<string, IgnoredWatch>()

  /** Watch these ids (a repeat id in flight elsewhere goes to the newest watch: the older is its duplicate). */
  watch(ids: readonly string[]): IgnoredWatch {
    const watch = new IgnoredWatch(ids, (w, watched) => {
      for (const id of watched) if (this.watching.get(id) === w) this.watching.delete(id)
    })
    for (const id of ids) this.watching.set(id, watch)
    return watch
  }

  /** An agent could not take this event: told to whoever waits on it, if anyone does. */
  record(id: string, reason: string): void {
    this.watching.get(id)?.add(id, reason)
  }

  /** ids watched now (for tests: nothing stays once every writer is answered) */
  get size(): number {
    return this.watching.size
  }
}
