// A small TCP proxy for failover tests: forwards every connection to the first target, and once a connection to
// it fails (the instance is gone), to the next one from then on. hold() keeps new connections waiting until release().
import type { Socket, TCPSocketListener } from 'bun'

/** Bytes not yet taken by a socket (its send buffer full): written on drain, in order. */
class Outbox {
  private chunks: Uint8Array[] = []
  private ending = false

  constructor(private readonly socket: () => Socket<unknown> | undefined) {}

  write(chunk: Uint8Array): void {
    const s = this.socket()
    if (this.chunks.length || !s) return void this.chunks.push(new Uint8Array(chunk))
    const n = s.write(chunk)
    if (n < chunk.byteLength) this.chunks.push(new Uint8Array(chunk.subarray(Math.max(n, 0))))
  }

  drain(): void {
    const s = this.socket()
    if (!s) return
    while (this.chunks.length) {
      const chunk = this.chunks[0]!
      const n = s.write(chunk)
      if (n < chunk.byteLength) return void (this.chunks[0] = chunk.subarray(Math.max(n, 0)))
      this.chunks.shift()
    }
    if (this.ending) s.end()
  }

  /** End the socket once everything written so far has gone. */
  end(): void {
    this.ending = true
    this.drain()
  }
}

interface Pair {
  client: Socket<Pair>
  upstream?: Socket<Pair>
  toClient: Outbox
  toUpstream: Outbox
  closed: boolean
}

export interface TcpProxy {
  url: string
  /** the port connections go to now */
  readonly target: number
  hold(): void
  release(): void
  stop(): void
}

export function startTcpProxy(targets: number[]): TcpProxy {
  let current = 0
  let held: Array<() => void> | undefined
  const pairs = new Set<Pair>()

  const connect = (pair: Pair, tries = 0): void => {
    if (held) return void held.push(() => connect(pair, tries))
    const tried = current
    Bun.connect<Pair>({
      hostname: '127.0.0.1',
      port: targets[tried]!,
      data: pair,
      socket: {
        open(up) {
          if (pair.closed) return void up.end()
          pair.upstream = up
          pair.toUpstream.drain()
        },
        data: (_up, chunk) => pair.toClient.write(chunk),
        drain: () => pair.toUpstream.drain(),
        close: () => pair.toClient.end(),
        error: () => pair.toClient.end(),
      },
    }).catch(() => {
      // The target is gone: from now on every connection goes to the next one.
      if (current === tried && current < targets.length - 1) current++
      if (tries + 1 < targets.length && !pair.closed) connect(pair, tries + 1)
      else pair.client.end()
    })
  }

  const listener: TCPSocketListener<Pair> = Bun.listen<Pair>({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open(client) {
        const pair: Pair = { client, closed: false } as Pair
        pair.toClient = new Outbox(() => client as Socket<unknown>)
        pair.toUpstream = new Outbox(() => pair.upstream as Socket<unknown> | undefined)
        client.data = pair
        pairs.add(pair)
        connect(pair)
      },
      data: (client, chunk) => client.data.toUpstream.write(chunk),
      drain: (client) => client.data.toClient.drain(),
      close(client) {
        client.data.closed = true
        pairs.delete(client.data)
        client.data.upstream?.end()
      },
      error: (client) => void client.end(),
    },
  })

  return {
    url: `http://127.0.0.1:${listener.port}`,
    get target() {
      return targets[current]!
    },
    hold() {
      held ??= []
    },
    release() {
      const waiting = held ?? []
      held = undefined
      for (const go of waiting) go()
    },
    stop() {
      listener.stop(true)
      for (const pair of pairs) (pair.upstream?.end(), pair.client.end())
    },
  }
}
