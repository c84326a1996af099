// The core the live streams share: coalesce changes into one flush, diff rendered panels, send shared bytes.
import { patchElements, removeElements } from './sse-encoder'
import type { Channel } from './sse-hub'
import { metrics } from '../telemetry/metrics'

/** Rendered HTML by panel name; a panel is one patch target with a stable id. */
export type Panels = ReadonlyMap<string, string>

/** One element patch per panel whose HTML changed (or is new). */
export function changedPanels(before: Panels | undefined, after: Panels): string[] {
  const parts: string[] = []
  for (const [name, html] of after) if (before?.get(name) !== html) parts.push(patchElements({ html }))
  return parts
}

/**
 * New entries (newest first, as the list shows them) on top of a list; entries past `limit` fall off
 * the bottom. The client prepends the elements of one patch one by one, each to the top, so they go
 * out oldest first to end up newest first (regression: a burst within one flush showed reversed).
 */
export function prependEntries(listId: string, newestFirst: readonly string[], limit: number): string[] {
  const html = [...newestFirst].reverse().join('')
  return [patchElements({ html, selector: `#${listId}`, mode: 'prepend' }), removeElements(`#${listId} > li:nth-child(n+${limit + 1})`)]
}

/**
 * A stream of panels to the hub: `schedule()` on any change, and at most one `flush()` per `flushMs`
 * renders what changed once for all clients, whatever their number.
 */
export abstract class PanelStream {
  /** frames rendered: one per flush and key, never per client */
  renders = 0
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(
    /** this stream's channel on the hub: its keys, its clients, its counts */
    protected readonly channel: Channel,
    private readonly flushMs: number,
  ) {}

  /** Render, diff and broadcast what changed since the last flush. */
  protected abstract render(): void

  flush(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    metrics.sseFlushes.labels(this.channel.kind).inc()
    this.render()
  }

  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  protected schedule(): void {
    this.timer ??= setTimeout(() => this.flush(), this.flushMs)
  }

  /** Flush now if a change is pending, so a client joining starts level with the others. */
  protected settle(): void {
    if (this.timer) this.flush()
  }
}
