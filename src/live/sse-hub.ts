// SSE hub: per-client bounded byte queues fed with shared, pre-encoded frames, one typed channel per stream;
// a slow client is dropped alone.
import { Client } from './sse-client'
import { encodeFrame, heartbeat } from './sse-encoder'
import { logger } from '../telemetry/log'
import { metrics, type StreamKind } from '../telemetry/metrics'

const log = logger('sse')

export interface HubOptions {
  /** bytes a client may have queued before it is dropped (it resyncs from a full snapshot on reconnect) */
  maxQueueBytes?: number
  heartbeatMs?: number
  /** the heartbeat's timer; a test passes one it moves by hand */
  timers?: { setInterval(run: () => void, ms: number): unknown; clearInterval(handle: unknown): void }
}

/**
 * One stream's clients on the hub. Keys are its own (a dashboard log filter cannot meet a run graph's id),
 * and every client and frame is counted under its stream: a stream cannot forget to say which it is.
 */
export interface Channel {
  readonly kind: StreamKind
  /**
   * A stream for one client: `initial` first (the full snapshot), then every frame broadcast to `key`.
   * Ends when the client goes away (abort or cancel), when it falls too far behind, or on close().
   * `tag` names who the client is (a page's tab id), for frames meant for it alone.
   */
  open(key: string, initial: Uint8Array, signal?: AbortSignal, tag?: string): ReadableStream<Uint8Array>
  /** The same bytes to every client of `key`, counted once whatever their number. */
  broadcast(key: string, frame: Uint8Array): void
  /** A frame for this channel's clients tagged `tag` only (one page's streams); false when none is connected. */
  sendTo(tag: string, frame: Uint8Array): boolean
  /** The distinct keys with at least one client: render once per key, never per client. */
  activeKeys(): Set<string>
}

const SLOW = 'slow client'

interface Delivery {
  nextId(): number
  deliver(client: Client, frame: Uint8Array): void
  track(client: Client): void
  untrack(client: Client, reason: string, kind: StreamKind): void
}

class HubChannel implements Channel {
  /** the channel's clients by key: a flush reaches its key's clients without walking everyone else */
  private readonly byKey = new Map<string, Set<Client>>()
  private readonly clients: ReturnType<typeof metrics.sseClients.labels>
  private readonly bytes: ReturnType<typeof metrics.sseFrameBytes.labels>

  constructor(
    readonly kind: StreamKind,
    private readonly hub: Delivery,
  ) {
    this.clients = metrics.sseClients.labels(kind)
    this.bytes = metrics.sseFrameBytes.labels(kind)
  }

  open(key: string, initial: Uint8Array, signal?: AbortSignal, tag?: string): ReadableStream<Uint8Array> {
    this.clients.inc()
    const client = new Client(this.hub.nextId(), key, tag, initial, (c, reason) => {
      const same = this.byKey.get(c.key)
      same?.delete(c)
      if (same?.size === 0) this.byKey.delete(c.key)
      this.clients.dec()
      this.hub.untrack(c, reason, this.kind)
    })
    // Registered before the caller returns the stream, so no frame broadcast meanwhile is missed.
    this.hub.track(client)
    let same = this.byKey.get(key)
    if (!same) this.byKey.set(key, (same = new Set()))
    same.add(client)
    if (signal?.aborted) client.end('disconnected')
    signal?.addEventListener('abort', () => client.end('disconnected'), { once: true })
    return client.stream
  }

  broadcast(key: string, frame: Uint8Array): void {
    this.bytes.inc(frame.byteLength)
    // A client dropped for being slow leaves the set while it is walked: a Set's iteration allows that.
    for (const client of this.byKey.get(key) ?? []) this.hub.deliver(client, frame)
  }

  sendTo(tag: string, frame: Uint8Array): boolean {
    let sent = false
    for (const same of this.byKey.values())
      for (const client of same)
        if (client.tag === tag) {
          if (!sent) this.bytes.inc(frame.byteLength)
          this.hub.deliver(client, frame)
          sent = true
        }
    return sent
  }

  activeKeys(): Set<string> {
    return new Set(this.byKey.keys())
  }
}

export class SseHub {
  /** every client of every channel: for heartbeats, the count and close() */
  private readonly clients = new Map<number, Client>()
  private readonly channels = new Map<StreamKind, HubChannel>()
  private readonly maxQueueBytes: number
  private readonly heartbeatTimer: unknown
  private readonly timers: NonNullable<HubOptions['timers']>
  private lastId = 0
  /** why the last clients were dropped (at most 100 kept), for logs and tests */
  readonly dropped: Array<{ id: number; reason: string }> = []
  private readonly delivery: Delivery = {
    nextId: () => ++this.lastId,
    deliver: (client, frame) => this.deliver(client, frame),
    track: (client) => this.clients.set(client.id, client),
    untrack: (client, reason, kind) => this.untrack(client, reason, kind),
  }

  constructor(options: HubOptions = {}) {
    this.maxQueueBytes = options.maxQueueBytes ?? 1 << 20
    this.timers = options.timers ?? { setInterval: (run, ms) => setInterval(run, ms), clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>) }
    this.heartbeatTimer = this.timers.setInterval(() => this.broadcastAll(encodeFrame([heartbeat()])), options.heartbeatMs ?? 15_000)
  }

  /** The channel of one stream kind; each stream owns its kind's channel (asking twice gives the same one). */
  channel(kind: StreamKind): Channel {
    let channel = this.channels.get(kind)
    if (!channel) this.channels.set(kind, (channel = new HubChannel(kind, this.delivery)))
    return channel
  }

  /** A frame to every client of every channel: the heartbeat, which is no stream's frame. */
  broadcastAll(frame: Uint8Array): void {
    for (const client of this.clients.values()) this.deliver(client, frame)
  }

  get size(): number {
    return this.clients.size
  }

  close(): void {
    this.timers.clearInterval(this.heartbeatTimer)
    for (const client of [...this.clients.values()]) client.end('server closing')
  }

  private untrack(client: Client, reason: string, kind: StreamKind) {
    this.clients.delete(client.id)
    if (reason === 'disconnected') return
    if (reason.startsWith(SLOW)) {
      metrics.sseDropped.inc()
      log.warn(`dropped a slow ${kind} client: ${reason}; it resyncs in full when it reconnects`, { stream: kind, client: client.id, reason: 'slow' })
    }
    this.dropped.push({ id: client.id, reason })
    if (this.dropped.length > 100) this.dropped.shift()
  }

  private deliver(client: Client, frame: Uint8Array) {
    // A client already over its budget is dropped: it holds at most the budget plus one frame.
    if (client.queuedBytes > this.maxQueueBytes) {
      client.end(`${SLOW}: more than ${this.maxQueueBytes} bytes queued`)
      return
    }
    client.push(frame)
  }
}
