// Inspector pages live: render an actor's changed parts once per flush and send every viewer of it the same bytes.
import { inspectView, leafIds } from '../inspector/inspect-view'
import type { Inspector } from '../inspector/inspector'
import type { MachineLayout } from '../inspector/machine-graph'
import { Diagram } from '../views/inspector/diagram'
import { ContextView, EntryItem, pageOf, Sequence, Status } from '../views/inspector/inspect-parts'
import { ActorTable } from '../views/inspector/inspect-page'
import { ids } from '../views/targets'
import { changedPanels, PanelStream, prependEntries } from './panel-stream'
import { encodeFrame, patchElements } from './sse-encoder'
import type { SseHub } from './sse-hub'

export interface InspectStreamOptions {
  /** coalescing window: at most one flush per this many ms */
  flushMs?: number
  /** entries a page shows; older ones fall off the bottom */
  listLimit?: number
}

interface Rendered {
  /** status, diagram, context */
  panels: Map<string, string>
  /** seq of the newest entry the key's clients have */
  top: number
}

// Actor keys are `dashboard` or `agent:<id>`, so this one cannot collide with an actor's.
const INDEX_KEY = '-index'

export class InspectStream extends PanelStream {
  private readonly dirty = new Set<string>()
  private readonly rendered = new Map<string, Rendered>()
  private readonly layouts = new Map<string, MachineLayout>()
  /** the actor table as the index's viewers have it */
  private index: string | undefined
  private readonly unsubscribe: () => void
  private readonly listLimit: number

  constructor(private readonly inspector: Inspector, hub: SseHub, options: InspectStreamOptions = {}) {
    super(hub.channel('inspect'), options.flushMs ?? 50)
    this.listLimit = options.listLimit ?? 500
    this.unsubscribe = inspector.subscribe((key) => {
      this.dirty.add(key)
      this.schedule()
    })
  }

  /** A viewer's stream for actor `key`: everything once (a reconnect resyncs), then what changed. */
  open(key: string, layout: MachineLayout, signal?: AbortSignal): ReadableStream<Uint8Array> | undefined {
    // Flush first so clients already on this key are current and the new one starts level with them.
    this.settle()
    const record = this.inspector.get(key)
    if (!record) return undefined
    this.layouts.set(key, layout)
    const view = inspectView(record, layout.machineId)!
    const parts = this.renderActor(key)!
    this.rendered.set(key, parts)
    const sequence = String(Sequence({ view: { ...view, entries: view.entries.slice(0, this.listLimit) }, page: pageOf(record) }))
    const frame = encodeFrame([...changedPanels(undefined, parts.panels), patchElements({ html: sequence })])
    return this.channel.open(key, frame, signal)
  }

  /** A viewer of the actor index: the table now, then again whenever any actor changes it. */
  openIndex(signal?: AbortSignal): ReadableStream<Uint8Array> {
    this.settle()
    this.index = this.renderIndex()
    return this.channel.open(INDEX_KEY, encodeFrame([patchElements({ html: this.index })]), signal)
  }

  override close(): void {
    super.close()
    this.unsubscribe()
  }

  private renderActor(key: string): Rendered | undefined {
    const record = this.inspector.get(key)
    const layout = this.layouts.get(key)
    if (!record || !layout) return undefined
    const view = inspectView(record, layout.machineId)!
    const current = new Set(leafIds(layout.machineId, view.value))
    return {
      panels: new Map([
        [ids.inspectStatus, String(Status({ view, now: Date.now() }))],
        [ids.inspectDiagram, String(Diagram({ layout, current, last: view.last }))],
        [ids.inspectContext, String(ContextView({ view }))],
      ]),
      top: record.received,
    }
  }

  /** Render each changed actor once, diff against what its viewers have, broadcast the shared bytes. */
  protected render(): void {
    const active = this.channel.activeKeys()
    for (const key of this.dirty) {
      const before = this.rendered.get(key)
      if (!before || !active.has(key)) continue
      const after = this.renderActor(key)
      if (!after) continue
      this.renders++
      this.rendered.set(key, after)
      const parts = [...changedPanels(before.panels, after.panels), ...this.newEntries(key, before.top)]
      if (parts.length) this.channel.broadcast(key, encodeFrame(parts))
    }
    if (this.dirty.size && active.has(INDEX_KEY)) this.flushIndex()
    this.dirty.clear()
    // A key nobody watches is rendered afresh by the next open(); forget it so it cannot go stale.
    for (const key of this.rendered.keys()) if (!active.has(key)) this.rendered.delete(key)
  }

  private renderIndex(): string {
    return String(ActorTable({ actors: this.inspector.list(), now: Date.now() }))
  }

  private flushIndex() {
    const html = this.renderIndex()
    if (html === this.index) return
    this.index = html
    this.channel.broadcast(INDEX_KEY, encodeFrame([patchElements({ html })]))
  }

  /** Entries newer than `top` go on top of the sequence; entries past the limit fall off the bottom. */
  private newEntries(key: string, top: number): string[] {
    const record = this.inspector.get(key)!
    const fresh = record.log.filter((e) => e.seq > top).reverse().slice(0, this.listLimit)
    if (!fresh.length) return []
    const page = pageOf(record)
    return prependEntries(ids.inspectSequence, fresh.map((entry) => String(EntryItem({ entry, page, selected: false }))), this.listLimit)
  }
}
