// Load generator run as its own process: N SSE clients that count frames, timestamp probes, report JSON.
// Usage: bun bench/sse-clients.ts --url=http://127.0.0.1:PORT/events --clients=N --probes=P --timeout-ms=T
// stdout: a line `ready` once every client has its first bytes, then one JSON line (ClientsReport).
import { flag, intFlag, now } from './args'

export interface ClientsReport {
  clients: number
  /** SSE events (blocks ending in a blank line) each client received after `ready` */
  events: number[]
  bytes: number[]
  /** time of each client's last frame (ms, wall clock) */
  lastAt: number[]
  /** seen[probe] = the times clients first saw `probe-<n>` */
  seen: number[][]
  /** clients whose stream ended early (dropped by the server) */
  ended: number
  timedOut: boolean
}

interface Client {
  events: number
  bytes: number
  lastAt: number
  found: Set<number>
  ended: boolean
}

const PROBE = /probe-(\d+)/g

/** Count complete SSE events in `block` and record probes not seen before by this client. */
function scan(block: string, client: Client, seen: number[][], at: number) {
  client.events += block.split('\n\n').length - 1
  for (const m of block.matchAll(PROBE)) {
    const n = Number(m[1])
    if (client.found.has(n) || seen[n] === undefined) continue
    client.found.add(n)
    seen[n].push(at)
  }
}

async function readClient(res: Response, client: Client, seen: number[][], onFirst: () => void, done: () => boolean) {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let buffer = ''
  let first = true
  while (!done()) {
    const { value, done: ended } = await reader.read()
    if (ended) return void (client.ended = true)
    const at = now()
    if (first) {
      first = false
      onFirst()
      continue
    }
    client.bytes += value.byteLength
    client.lastAt = at
    buffer += decoder.decode(value, { stream: true })
    const cut = buffer.lastIndexOf('\n\n')
    if (cut === -1) continue
    scan(buffer.slice(0, cut + 2), client, seen, at)
    buffer = buffer.slice(cut + 2)
  }
  await reader.cancel()
}

async function main() {
  const url = flag('url')
  if (!url) throw new Error('--url is required')
  const count = intFlag('clients', 100)
  const probes = intFlag('probes', 0)
  const timeoutMs = intFlag('timeout-ms', 60_000)
  const seen: number[][] = Array.from({ length: probes }, () => [])
  const clients: Client[] = Array.from({ length: count }, () => ({ events: 0, bytes: 0, lastAt: 0, found: new Set(), ended: false }))
  const abort = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => ((timedOut = true), abort.abort()), timeoutMs)
  let firsts = 0
  const onFirst = () => ++firsts === count && console.log('ready')
  const readers = clients.map(async (client) => {
    const res = await fetch(url, { signal: abort.signal })
    const done = () => client.found.size === probes || timedOut
    await readClient(res, client, seen, onFirst, done).catch((e) => {
      if (!timedOut) throw e
    })
  })
  await Promise.all(readers)
  clearTimeout(timer)
  abort.abort()
  const report: ClientsReport = {
    clients: count,
    events: clients.map((c) => c.events),
    bytes: clients.map((c) => c.bytes),
    lastAt: clients.map((c) => c.lastAt),
    seen,
    ended: clients.filter((c) => c.ended).length,
    timedOut,
  }
  console.log(JSON.stringify(report))
  process.exit(0)
}

if (import.meta.main) await main()
