// SSE hub: per-client bounded byte queues fed with shared, pre-encoded frames; a slow client is dropped alone.
import { encodeFrame, heartbeat } from './sse-encoder'
import { logger } from '../telemetry/log'
import { metrics, type StreamKind } from '../telemetry/metrics'

const log = logger('sse')

export interface HubOptions {
  /** bytes a client may have queued before it is dropped (it resyncs from a full snapshot on reconnect) */
  maxQueueBytes?: number
  heartbeatMs?: number
}

export interface ClientInfo {
  readonly id: number
  /** what the client subscribed to: clients with the same key get the same bytes */
  readonly key: string
  /** who the client is (a page's tab id), for frames meant for it alone */
  readonly tag: string | undefined
}

/**
 * One client's queue. The stream is pull-based with a zero high-water mark: the runtime pulls only when
 * the socket has taken the previous chunk, so `bytes` is exactly what this client has not yet absorbed.
 */
class Client implements ClientInfo {
  private readonly queue: Uint8Array[] = []
  private bytes = 0
  private wake: (() => void) | undefined
  closed = false
  private endReason = ''
  readonly stream: ReadableStream<Uint8Array>

  constructor(
    readonly id: number,
    readonly key: string,
    readonly tag: string | undefined,
    initial: Uint8Array,
    private readonly onEnd: (c: Client, reason: string) => void,
  ) {
    this.push(initial)
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (!this.queue.length && !this.closed) await new Promise<void>((resolve) => (this.wake = resolve))
          // Ended by the server (slow, or shutting down): errored, not closed, because Datastar's client
          // retries a stream that fails but not one that ends cleanly; the retry resyncs in full.
          if (this.closed) return controller.error(new Error(this.endReason))
          const chunk = this.queue.length === 1 ? this.queue[0]! : Buffer.concat(this.queue)
          this.queue.length = 0
          this.bytes = 0
          controller.enqueue(chunk)
        },
        cancel: () => this.end('disconnected'),
      },
      { highWaterMark: 0 },
    )
  }

  get queuedBytes(): number {
    return this.bytes
  }

  push(frame: Uint8Array) {
    this.queue.push(frame)
    this.bytes += frame.byteLength
    this.wakeUp()
  }

  end(reason: string) {
    if (this.closed) return
    this.closed = true
    this.endReason = reason
    this.queue.length = 0
    this.bytes = 0
    this.wakeUp()
    this.onEnd(this, reason)
  }

  private wakeUp() {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}

const SLOW = 'slow client'

export class SseHub {
  private readonly clients = new Map<number, Client>()
  /** the same clients by key: a flush reaches its key's clients without walking everyone else */
  private readonly byKey = new Map<string, Set<Client>>()
  private readonly maxQueueBytes: number
  private readonly heartbeatTimer: ReturnType<typeof setInterval>
  private nextId = 1
  /** why the last clients were dropped (at most 100 kept), for logs and tests */
  readonly dropped: Array<{ id: number; reason: string }> = []

  constructor(options: HubOptions = {}) {
    this.maxQueueBytes = options.maxQueueBytes ?? 1 << 20
    this.heartbeatTimer = setInterval(() => this.broadcastAll(encodeFrame([heartbeat()])), options.heartbeatMs ?? 15_000)
  }

  /**
   * A stream for one client: `initial` first (the full snapshot), then every frame broadcast to `key`.
   * Ends when the client goes away (abort or cancel), when it falls too far behind, or on close().
   */
  open(key: string, initial: Uint8Array, signal?: AbortSignal, tag?: string, stream: StreamKind = 'dashboard'): ReadableStream<Uint8Array> {
    const clients = metrics.sseClients.labels(stream)
    clients.inc()
    const client = new Client(this.nextId++, key, tag, initial, (c, reason) => {
      this.clients.delete(c.id)
      const same = this.byKey.get(c.key)
      same?.delete(c)
      if (same?.size === 0) this.byKey.delete(c.key)
      clients.dec()
      if (reason === 'disconnected') return
      if (reason.startsWith(SLOW)) {
        metrics.sseDropped.inc()
        log.warn(`dropped a slow ${stream} client: ${reason}; it resyncs in full when it reconnects`, { stream, client: c.id, reason: 'slow' })
      }
      this.dropped.push({ id: c.id, reason })
      if (this.dropped.length > 100) this.dropped.shift()
    })
    // Registered before the caller returns the stream, so no frame broadcast meanwhile is missed.
    this.clients.set(client.id, client)
    let same = this.byKey.get(key)
    if (!same) this.byKey.set(key, (same = new Set()))
    same.add(client)
    if (signal?.aborted) client.end('disconnected')
    signal?.addEventListener('abort', () => client.end('disconnected'), { once: true })
    return client.stream
  }

  /** Send the same bytes to every client subscribed under `key`. */
  broadcast(key: string, frame: Uint8Array): void {
    // A client dropped for being slow leaves the set while it is walked: a Set's iteration allows that.
    for (const client of this.byKey.get(key) ?? []) this.deliver(client, frame)
  }

  /** Send a frame to the clients tagged `tag` only (one page's streams); false when none is connected. */
  sendTo(tag: string, frame: Uint8Array): boolean {
    let sent = false
    for (const client of this.clients.values())
      if (client.tag === tag) {
        this.deliver(client, frame)
        sent = true
      }
    return sent
  }

  broadcastAll(frame: Uint8Array): void {
    for (const client of this.clients.values()) this.deliver(client, frame)
  }

  /** The distinct keys with at least one client: render once per key, never per client. */
  activeKeys(): Set<string> {
    return new Set(this.byKey.keys())
  }

  get size(): number {
    return this.clients.size
  }

  close(): void {
    clearInterval(this.heartbeatTimer)
    for (const client of [...this.clients.values()]) client.end('server closing')
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
