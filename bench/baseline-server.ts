// Baseline: a raw Bun.serve SSE fan-out (no Elysia, Datastar or XState) sending frames sized like Switchboard's.
export interface BaselineOptions {
  /** coalescing window, as Switchboard's stream */
  flushMs: number
  /** bytes of one broadcast frame (Switchboard's average in the matching run) */
  frameBytes: number
  /** SSE events in one broadcast frame */
  frameEvents: number
  /** bytes a client may have queued before it is dropped, as Switchboard's hub */
  maxQueueBytes: number
}

const encoder = new TextEncoder()

/** `events` SSE events totalling about `bytes`, the first carrying the markers. */
export function paddedFrame(markers: readonly string[], bytes: number, events: number): Uint8Array {
  const head = 'event: datastar-patch-elements\ndata: elements <p>'
  const tail = '</p>\n\n'
  const each = Math.max(0, Math.floor(bytes / Math.max(1, events)) - head.length - tail.length)
  const blocks: string[] = []
  for (let i = 0; i < Math.max(1, events); i++) {
    const body = i === 0 ? markers.join(' ') : ''
    blocks.push(head + body + 'x'.repeat(Math.max(0, each - body.length)) + tail)
  }
  return encoder.encode(blocks.join(''))
}

export function startBaseline(options: BaselineOptions) {
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>()
  let pending: string[] | undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const stats = { broadcasts: 0, bytes: 0, dropped: 0 }
  const flush = () => {
    timer = undefined
    const frame = paddedFrame(pending ?? [], options.frameBytes, options.frameEvents)
    pending = undefined
    stats.broadcasts++
    stats.bytes += frame.byteLength
    for (const c of clients) {
      if ((c.desiredSize ?? 0) >= frame.byteLength) c.enqueue(frame)
      else (clients.delete(c), stats.dropped++, c.close())
    }
  }
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: (req) => open(req) })
  function open(req: Request): Response {
    let self: ReadableStreamDefaultController<Uint8Array>
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          self = controller
          clients.add(controller)
          controller.enqueue(paddedFrame([], options.frameBytes, options.frameEvents))
        },
        cancel: () => void clients.delete(self),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: options.maxQueueBytes }),
    )
    req.signal.addEventListener('abort', () => clients.delete(self), { once: true })
    return new Response(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } })
  }
  return {
    url: `http://127.0.0.1:${server.port}/events`,
    stats,
    get size() {
      return clients.size
    },
    /** Every event schedules a flush; a probe's marker rides in the next frame. */
    publish(marker?: string) {
      if (marker) (pending ??= []).push(marker)
      timer ??= setTimeout(flush, options.flushMs)
    },
    stop() {
      clearTimeout(timer)
      for (const c of clients) c.close()
      clients.clear()
      server.stop(true)
    },
  }
}
