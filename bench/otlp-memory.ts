// What one POST /v1/traces may cost in memory: the peak RSS a worst-case body adds to the real server, beside a
// baseline, the same body decoded as before the wire count (protobufjs decode + toObject, or JSON.parse) with nothing refused.
//   node_modules/.bin/bun bench/otlp-memory.ts          (each body in a fresh process; about three minutes)
import { readFileSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { gzipSync } from 'node:zlib'
import { defaultConfig } from '../src/config'
import { ExportTraceServiceRequest } from '../src/otlp/otlp-codec'
import { MAX_OTLP_ELEMENTS, MAX_OTLP_JSON_VALUES, MAX_SPANS } from '../src/otlp/otlp-limits'
import { startSwitchboard } from '../src/switchboard'

const varint = (n: number) => {
  const out: number[] = []
  for (; n > 127; n = Math.floor(n / 128)) out.push((n & 127) | 128)
  return [...out, n]
}
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0)
  return out
}
/** one length-delimited field */
const field = (number: number, inner: Uint8Array) => concat([new Uint8Array([number * 8 + 2, ...varint(inner.length)]), inner])
const repeat = (part: Uint8Array, count: number) => {
  const out = new Uint8Array(part.length * count)
  for (let i = 0; i < count; i++) out.set(part, i * part.length)
  return out
}
const EMPTY = new Uint8Array()
const text = (s: string) => new TextEncoder().encode(s)

/** A span as an exporter sends it: ids, times, a name and `attributes` string attributes. */
function realSpan(i: number, attributes: number): Uint8Array {
  const id = (n: number, bytes: number) => new Uint8Array(bytes).map((_, k) => (k === bytes - 1 ? (n % 250) + 1 : (n >> (8 * (k % 4))) & 0xff))
  const fixed64 = (ms: number) => new Uint8Array(new BigUint64Array([BigInt(ms) * 1_000_000n]).buffer)
  const kv = (k: string, v: string) => field(9, concat([field(1, text(k)), field(2, field(1, text(v)))]))
  const t = 1_764_057_600_000 + i
  return field(2, concat([
    field(1, id(i, 16)), field(2, id(i, 8)), field(5, text(`execute_tool t${i}`)),
    new Uint8Array([7 * 8 + 1]), fixed64(t), new Uint8Array([8 * 8 + 1]), fixed64(t + 5),
    kv('gen_ai.operation.name', 'execute_tool'),
    ...Array.from({ length: attributes - 1 }, (_, k) => kv(`attr.${k}`, `value ${i}.${k}`)),
  ]))
}

interface Case {
  name: string
  encoding: 'protobuf' | 'json'
  body: () => Uint8Array
}
const oneScope = (spans: Uint8Array) => field(1, field(2, spans))
const CASES: Case[] = [
  { name: 'hostile: 8 million empty resourceSpans', encoding: 'protobuf', body: () => repeat(field(1, EMPTY), 8_000_000) },
  { name: 'hostile: 8 million empty spans in one scopeSpans', encoding: 'protobuf', body: () => oneScope(repeat(field(2, EMPTY), 8_000_000)) },
  {
    // every limit at once: 20,000 of each container, the rest of the element budget as events (the dearest kind left)
    name: `worst taken: ${MAX_SPANS} resourceSpans > scopeSpans > spans, ${MAX_OTLP_ELEMENTS - 3 * MAX_SPANS} empty events`,
    encoding: 'protobuf',
    body: () => repeat(field(1, field(2, field(2, repeat(field(11, EMPTY), (MAX_OTLP_ELEMENTS - 3 * MAX_SPANS) / MAX_SPANS)))), MAX_SPANS),
  },
  { name: `real: ${MAX_SPANS} spans of 4 attributes`, encoding: 'protobuf', body: () => oneScope(concat(Array.from({ length: MAX_SPANS }, (_, i) => realSpan(i, 4)))) },
  { name: 'real: the SDK batch, 512 spans of 20 attributes', encoding: 'protobuf', body: () => oneScope(concat(Array.from({ length: 512 }, (_, i) => realSpan(i, 20)))) },
  { name: 'hostile: JSON, 4 million empty objects', encoding: 'json', body: () => text(`{"resourceSpans": [${'{},'.repeat(4_000_000)}{}]}`) },
  { name: `worst taken: JSON, ${MAX_OTLP_JSON_VALUES / 2 - 2} empty objects`, encoding: 'json', body: () => text(`{"resourceSpans": [${'{},'.repeat(MAX_OTLP_JSON_VALUES / 2 - 3)}{}]}`) },
]

const peakMb = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024
/** the peak RSS from here on: Linux's clear_refs 5 resets VmHWM to the current RSS */
function resetPeak(): number {
  Bun.gc(true)
  writeFileSync('/proc/self/clear_refs', '5')
  return peakMb()
}

/** One case in this process: through the real server, or (baseline) decoded as before the count. */
async function run(c: Case, baseline: boolean) {
  const raw = c.body()
  const gz = gzipSync(raw, { level: 9 })
  const server = baseline ? undefined : await startSwitchboard({ ...defaultConfig(), port: 0, dbPath: ':memory:', demo: false })
  const type = c.encoding === 'json' ? 'application/json' : 'application/x-protobuf'
  const post = (body: Uint8Array) => fetch(`${server!.url}/v1/traces`, { method: 'POST', headers: { 'content-type': type, 'content-encoding': 'gzip' }, body: body as Uint8Array<ArrayBuffer> })
  // One empty export first: the route's first request compiles and loads what every later one reuses.
  if (server) await (await post(gzipSync(c.encoding === 'json' ? text('{}') : EMPTY))).arrayBuffer()
  const before = resetPeak()
  const t0 = performance.now()
  let status: number | string | undefined
  let healthzMs = 0
  if (server) {
    let done = false
    const answered = post(gz).then(async (res) => ((status = res.status), await res.arrayBuffer(), (done = true)))
    // /healthz asked over and over while the export is handled: the longest wait is the loop time it took.
    while (!done) {
      const asked = performance.now()
      await (await fetch(`${server.url}/healthz`)).arrayBuffer()
      healthzMs = Math.max(healthzMs, performance.now() - asked)
    }
    await answered
  } else {
    const decoded = c.encoding === 'json' ? JSON.parse(new TextDecoder().decode(raw)) : ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(raw), { longs: String, arrays: true })
    status = decoded ? 'decoded' : '?'
  }
  const ms = performance.now() - t0
  const peak = peakMb()
  Bun.gc(true)
  const kept = process.memoryUsage.rss() / 2 ** 20 - before
  await server?.stop()
  return { wire: gz.length, inflated: raw.length, status: status!, ms, healthzMs, addedMb: peak - before, keptMb: kept }
}

const arg = (name: string) => Bun.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
if (arg('case') !== undefined) {
  console.log(JSON.stringify(await run(CASES[Number(arg('case'))]!, arg('baseline') === '1')))
  process.exit(0)
}

const inChild = (i: number, baseline: boolean) => {
  const child = Bun.spawnSync([process.execPath, import.meta.path, `--case=${i}`, `--baseline=${baseline ? 1 : 0}`], { stderr: 'inherit' })
  return JSON.parse(child.stdout.toString().trim().split('\n').at(-1)!) as Awaited<ReturnType<typeof run>>
}
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`
const mb = (n: number) => `${n.toFixed(0)} MB`
console.log(`one POST /v1/traces (gzip) per row, each in a fresh process after one warm-up export; peak RSS added = VmHWM after − RSS before (after a GC);\nkept = RSS after a GC − before (what the accepted events hold: agents, the log); Bun ${Bun.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}\n`)
const rows = [['body', 'gzip', 'inflated', 'server: status', 'ms', '/healthz max ms', 'peak RSS added', 'kept after GC', 'baseline: decoded as before', 'ms', 'peak RSS added']]
for (const [i, c] of CASES.entries()) {
  const now = inChild(i, false)
  const before = inChild(i, true)
  rows.push([c.name, kb(now.wire), kb(now.inflated), String(now.status), now.ms.toFixed(0), now.healthzMs.toFixed(0), mb(now.addedMb), mb(now.keptMb), String(before.status), before.ms.toFixed(0), mb(before.addedMb)])
}
const widths = rows[0]!.map((_, k) => Math.max(...rows.map((r) => r[k]!.length)))
for (const [n, r] of rows.entries()) {
  console.log(r.map((cell, k) => (k === 0 ? cell.padEnd(widths[k]!) : cell.padStart(widths[k]!))).join('  '))
  if (n === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
}
