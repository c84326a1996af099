// One SSE client's bounded byte queue, read by the runtime as the socket drains it.

/**
 * One client's queue. The stream is pull-based with a zero high-water mark: the runtime pulls only when
 * the socket has taken the previous chunk, so `bytes` is exactly what this client has not yet absorbed.
 */
export class Client {
  private readonly queue: Uint8Array[] = []
  private bytes = 0
  private wake: (() => void) | undefined
  closed = false
  private endReason = ''
  readonly stream: ReadableStream<Uint8Array>

  constructor(
    readonly id: number,
    /** what the client subscribed to, within its channel: clients with the same key get the same bytes */
    readonly key: string,
    /** who the client is (a page's tab id), for frames meant for it alone */
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
