// SSE hub: per-client bounded byte queues fed with shared, pre-encoded frames; a slow client is dropped alone.
import { encodeFrame, heartbeat } from './sse-encoder'

export interface HubOptions {
  /** bytes a client may have queued before it is dropped (it resyncs from a full snapshot on reconnect) */
  maxQueueBytes?: number
  heartbeatMs?: number
}

export interface ClientInfo {
  readonly id: number
  readonly key: string
}

interface Client extends ClientInfo {
  controller: ReadableStreamDefaultController<Uint8Array>
  close(reason: string): void
}

export class SseHub {
  private readonly clients = new Map<number, Client>()
  private readonly maxQueueBytes: number
  private readonly heartbeatTimer: ReturnType<typeof setInterval>
  private nextId = 1
  /** why clients were dropped, for logs and tests */
  readonly dropped: Array<{ id: number; reason: string }> = []

  constructor(options: HubOptions = {}) {
    this.maxQueueBytes = options.maxQueueBytes ?? 1 << 20
    this.heartbeatTimer = setInterval(() => this.broadcastAll(encodeFrame([heartbeat()])), options.heartbeatMs ?? 15_000)
  }

  /**
   * A stream for one client: `initial` first (the full snapshot), then every frame broadcast to `key`.
   * Ends when the client goes away (abort or cancel), when it falls too far behind, or on close().
   */
  open(key: string, initial: Uint8Array, signal?: AbortSignal): ReadableStream<Uint8Array> {
    const id = this.nextId++
    let closed = false
    const remove = (reason: string) => {
      if (closed) return
      closed = true
      this.clients.delete(id)
      if (reason !== 'disconnected') this.dropped.push({ id, reason })
      signal?.removeEventListener('abort', onAbort)
    }
    const onAbort = () => {
      const client = this.clients.get(id)
      remove('disconnected')
      try {
        client?.controller.close()
      } catch {
        // already closed by the runtime after the disconnect; nothing left to release
      }
    }
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const client: Client = {
            id,
            key,
            controller,
            close: (reason) => {
              remove(reason)
              controller.close()
            },
          }
          // Register before the first enqueue so no frame broadcast meanwhile is missed.
          this.clients.set(id, client)
          controller.enqueue(initial)
          if (signal?.aborted) onAbort()
          else signal?.addEventListener('abort', onAbort, { once: true })
        },
        cancel: () => remove('disconnected'),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: this.maxQueueBytes }),
    )
  }

  /** Send the same bytes to every client subscribed under `key`. */
  broadcast(key: string, frame: Uint8Array): void {
    for (const client of this.clients.values()) if (client.key === key) this.deliver(client, frame)
  }

  broadcastAll(frame: Uint8Array): void {
    for (const client of this.clients.values()) this.deliver(client, frame)
  }

  /** The distinct keys with at least one client: render once per key, never per client. */
  activeKeys(): Set<string> {
    return new Set([...this.clients.values()].map((c) => c.key))
  }

  get size(): number {
    return this.clients.size
  }

  close(): void {
    clearInterval(this.heartbeatTimer)
    for (const client of [...this.clients.values()]) client.close('server closing')
  }

  private deliver(client: Client, frame: Uint8Array) {
    // desiredSize is what is left of the client's byte budget; a client that cannot take this frame is dropped.
    if ((client.controller.desiredSize ?? 0) < frame.byteLength) {
      client.close(`slow client: more than ${this.maxQueueBytes} bytes queued`)
      return
    }
    client.controller.enqueue(frame)
  }
}
