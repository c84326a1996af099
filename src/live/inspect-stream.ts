// Inspector pages live: render an actor's changed parts once per flush and send every viewer of it the same bytes.
import { askedQuestion, inspectView, leafIds, type InspectView } from '../inspector/inspect-view'
import type { ActorRecord, Inspector } from '../inspector/inspector'
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
  /** a question's text by msg_id (its record), for an agent blocked on one its sequence no longer holds */
  questionText?: (msgId: string) => string | undefined
}

interface Rendered {
  /** the record rendered: a different one (forgotten and remembered anew) is sent whole */
  record: ActorRecord
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
  private readonly questionText: ((msgId: string) => string | undefined) | undefined

  constructor(private readonly inspector: Inspector, hub: SseHub, options: InspectStreamOptions = {}) {
    super(hub.channel('inspect'), options.flushMs ?? 50)
    this.listLimit = options.listLimit ?? 500
    this.questionText = options.questionText
    // A forgotten agent acting again comes back only for a page that watches it; any other is rebuilt when asked.
    inspector.rejoinWhen((key) => this.channel.activeKeys().has(key))
    this.unsubscribe = inspector.subscribe((key) => {
      this.dirty.add(key)
      this.schedule()
    })
  }

  /**
   * A viewer's stream for actor `key`: everything once (a reconnect resyncs), then what changed. With no record
   * (an agent rebuilt from the store) it sends nothing until the agent acts again, then its live page whole.
   */
  open(key: string, layout: MachineLayout, signal?: AbortSignal): ReadableStream<Uint8Array> {
    // Flush first so clients already on this key are current and the new one starts level with them.
    this.settle()
    this.layouts.set(key, layout)
    const parts = this.renderActor(key)
    if (!parts) return this.channel.open(key, new Uint8Array(), signal)
    this.rendered.set(key, parts)
    return this.channel.open(key, encodeFrame(this.whole(key, parts)), signal)
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
      record,
      panels: new Map([
        [ids.inspectStatus, String(Status({ view, now: Date.now() }))],
        [ids.inspectDiagram, String(Diagram({ layout, current, last: view.last }))],
        [ids.inspectContext, String(ContextView({ view: { ...view, question: this.question(view) } }))],
      ]),
      top: record.received,
    }
  }

  /** The text of the question the agent waits on, from the entry that asked it else its record. */
  private question(view: InspectView): string | undefined {
    const awaiting = (view.context as { awaiting?: unknown } | undefined)?.awaiting
    return typeof awaiting === 'string' ? (askedQuestion(view.record.log, awaiting) ?? this.questionText?.(awaiting)) : undefined
  }

  /** Every panel and the whole sequence: a new viewer's first frame, or a page whose record is new to it. */
  private whole(key: string, parts: Rendered): string[] {
    const record = parts.record
    const view = inspectView(record, this.layouts.get(key)!.machineId)!
    const sequence = String(Sequence({ view: { ...view, entries: view.entries.slice(0, this.listLimit) }, page: pageOf(record) }))
    return [...changedPanels(undefined, parts.panels), patchElements({ html: sequence })]
  }

  /** Render each changed actor once, diff against what its viewers have, broadcast the shared bytes. */
  protected render(): void {
    const active = this.channel.activeKeys()
    for (const key of this.dirty) {
      if (!active.has(key)) continue
      const before = this.rendered.get(key)
      const after = this.renderActor(key)
      if (!after) continue
      this.renders++
      this.rendered.set(key, after)
      // A record its viewers have not seen (the agent went live again, or was remembered anew) is sent whole.
      const parts = before?.record === after.record ? [...changedPanels(before.panels, after.panels), ...this.newEntries(key, before.top)] : this.whole(key, after)
      if (parts.length) this.channel.broadcast(key, encodeFrame(parts))
    }
    if (this.dirty.size && active.has(INDEX_KEY)) this.flushIndex()
    this.dirty.clear()
    // A key nobody watches is rendered afresh by the next open(); forget it so it cannot go stale.
    for (const key of this.rendered.keys()) if (!active.has(key)) this.rendered.delete(key)
    for (const key of this.layouts.keys()) if (!active.has(key)) this.layouts.delete(key)
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
    return prependEntries(ids.inspectSequence, fresh.map((entry) => String(EntryItem({ entry, page, selected: false, agentId: record.agentId }))), this.listLimit)
  }
}
