// One instance against two on one Redis (REDIS_URL): HTTP ingest and SSE fan-out, side by side.
//   node_modules/.bin/bun bench/cluster.ts [--events=20000] [--clients=40] [--probes=20]
// Setups: one instance on SQLite alone (the default), one instance on Redis, two instances on one Redis
// (writes and browsers spread over both). Everything runs in this process, on loopback, with a real
// redis-server (`--save '' --appendonly no`) and each instance its own SQLite file.
import { makeEvent, type Event } from '../src/protocol/event'
import { haveRedis, startRedis } from '../test/support/redis'
import { startTestServer, type TestServer } from '../test/support/server'
import { intFlag } from './args'
import { percentile } from './stats'

const EVENTS = intFlag('events', 20_000)
const CLIENTS = intFlag('clients', 40)
const PROBES = intFlag('probes', 20)
const BATCH = 200
const POSTERS = 4
const AGENTS = 20

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

function event(i: number, run: string): Event {
  const base = { id: `${run}-${i}`, timestamp: Date.now(), agent_id: `agent-${i % AGENTS}`, graph_id: run }
  return i < AGENTS ? makeEvent('agent', 'started', base) : makeEvent('tool', 'called', { ...base, payload: { tool: 'read_file', args: { path: `f${i % 97}` } } })
}

/** POSTERS concurrent writers, batches round-robin over the instances; then until every instance holds them all. */
async function ingest(servers: TestServer[], run: string) {
  const events = Array.from({ length: EVENTS }, (_, i) => event(i, run))
  const batches: Event[][] = []
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH))
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: POSTERS }, async () => {
      for (let b = next++; b < batches.length; b = next++) {
        const res = await post(servers[b % servers.length]!.url, batches[b])
        if (res.status !== 202) throw new Error(`ingest: ${res.status} ${await res.text()}`)
      }
    }),
  )
  const acked = performance.now() - started
  while (servers.some((s) => s.store.query({ graph_id: run, limit: EVENTS }).length < EVENTS)) await Bun.sleep(5)
  return { evs: EVENTS / (acked / 1000), everywhereMs: performance.now() - started }
}

/** CLIENTS dashboard streams spread over the instances; each probe posted to one instance, timed to each client's frame naming it. */
async function fanout(servers: TestServer[], run: string) {
  const sent = new Map<number, number>()
  const latencies: number[] = []
  const abort = new AbortController()
  const connected = await Promise.all(
    Array.from({ length: CLIENTS }, async (_, c) => {
      const res = await fetch(`${servers[c % servers.length]!.url}/events`, { signal: abort.signal })
      const reader = res.body!.getReader()
      await reader.read()
      return reader
    }),
  )
  const seen = connected.map(async (reader) => {
    const decoder = new TextDecoder()
    const got = new Set<number>()
    let tail = ''
    const pattern = new RegExp(`${run}-probe-(\\d+)`, 'g')
    while (got.size < PROBES) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }))
      if (done) return
      const text = tail + decoder.decode(value, { stream: true })
      for (const m of text.matchAll(pattern)) {
        const n = Number(m[1])
        if (!got.has(n) && sent.has(n)) (got.add(n), latencies.push(performance.now() - sent.get(n)!))
      }
      tail = text.slice(-64)
    }
  })
  for (let n = 0; n < PROBES; n++) {
    sent.set(n, performance.now())
    await post(servers[n % servers.length]!.url, makeEvent('agent', 'started', { id: `${run}-p${n}`, agent_id: `${run}-probe-${n}` }))
    await Bun.sleep(60)
  }
  await Promise.race([Promise.all(seen), Bun.sleep(10_000)])
  abort.abort()
  const sorted = latencies.sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), seen: `${latencies.length}/${CLIENTS * PROBES}` }
}

if (!haveRedis) process.exit(1)
const redis = await startRedis()
const setups: Array<[string, () => Promise<TestServer[]>]> = [
  ['1 instance, SQLite only', async () => [await startTestServer()]],
  ['1 instance + Redis', async () => [await startTestServer({ redisUrl: redis.url })]],
  ['2 instances + Redis', async () => Promise.all([startTestServer({ redisUrl: redis.url }), startTestServer({ redisUrl: redis.url })])],
]
console.log(`| setup | ingest ev/s (202s) | all instances hold all ms | fan-out p50 ms | p99 ms | probes seen |`)
console.log(`|---|---|---|---|---|---|`)
for (const [i, [name, start]] of setups.entries()) {
  const servers = await start()
  const { evs, everywhereMs } = await ingest(servers, `run${i}`)
  const f = await fanout(servers, `fan${i}`)
  console.log(`| ${name} | ${Math.round(evs)} | ${Math.round(everywhereMs)} | ${f.p50.toFixed(1)} | ${f.p99.toFixed(1)} | ${f.seen} |`)
  for (const s of servers) await s.stop()
}
await redis.stop()
console.log(`(${EVENTS} events in batches of ${BATCH} by ${POSTERS} writers; ${CLIENTS} SSE clients, ${PROBES} probes; ${navigator.hardwareConcurrency} cores)`)
process.exit(0)
