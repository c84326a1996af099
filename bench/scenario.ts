// One measured run: a server, N clients in a child process, a workload published at a rate or flat out.
import type { ClientsReport } from './sse-clients'
import { mb, mean, percentile } from './stats'
import { baselineTarget, switchboardTarget, type Target } from './targets'
import { now } from './args'
import { buildWorkload, probeCount, type Step } from './workload'

export interface ScenarioOptions {
  server: 'switchboard' | 'baseline'
  clients: number
  events: number
  agents: number
  probeEvery: number
  /** events per second; 0 publishes flat out */
  rate: number
  /** baseline only: `rate` is the pace Switchboard sustained flat out in the matching run */
  paced?: boolean
  /** baseline only: frame shape copied from the matching Switchboard run */
  frameBytes: number
  frameEvents: number
  timeoutMs: number
}

export interface ScenarioResult {
  server: ScenarioOptions['server']
  clients: number
  rate: number
  paced?: boolean
  events: number
  ingestPerSec: number
  broadcasts: number
  renders?: number
  /** average bytes and SSE events of one broadcast frame */
  frameBytes: number
  frameEvents: number
  eventsPerClientPerSec: number
  kbPerClientPerSec: number
  latency: { p50: number; p99: number; max: number; samples: number; expected: number }
  rssMb: { before: number; after: number; peak: number }
  dropped: number
  timedOut: boolean
}

async function* lines(stream: ReadableStream<Uint8Array>) {
  const decoder = new TextDecoder()
  let buffer = ''
  const reader = stream.getReader()
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    buffer += decoder.decode(r.value, { stream: true })
    let nl: number
    while ((nl = buffer.indexOf('\n')) !== -1) {
      yield buffer.slice(0, nl)
      buffer = buffer.slice(nl + 1)
    }
  }
}

/** Start the client process; resolves once every client holds its first bytes. */
async function spawnClients(url: string, clients: number, probes: number, timeoutMs: number) {
  const script = `${import.meta.dir}/sse-clients.ts`
  const args = [`--url=${url}`, `--clients=${clients}`, `--probes=${probes}`, `--timeout-ms=${timeoutMs}`]
  // Bun's fetch opens at most 256 connections at once unless told otherwise: past that, clients queue forever.
  const env = { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: String(Math.max(256, clients + 16)) }
  const proc = Bun.spawn([process.execPath, script, ...args], { stdout: 'pipe', stderr: 'inherit', env })
  const out = lines(proc.stdout)
  const first = await out.next()
  if (first.value !== 'ready') throw new Error(`client process did not get ready: ${first.value ?? 'exited'}`)
  return {
    async report(): Promise<ClientsReport> {
      const line = await out.next()
      if (line.done) throw new Error('client process exited without a report')
      return JSON.parse(line.value)
    },
    kill: () => proc.kill(),
  }
}

/** Publish every step at `rate` per second (0: flat out, yielding every 100); returns probe publish times. */
async function publishAll(steps: readonly Step[], rate: number, target: Target) {
  const publishedAt: number[] = []
  const start = now()
  const send = (step: Step) => {
    if (step.probe !== undefined) publishedAt[step.probe] = now()
    target.publish(step)
  }
  let i = 0
  while (i < steps.length) {
    const due = rate > 0 ? Math.min(steps.length, Math.floor(((now() - start) * rate) / 1000) + 1) : Math.min(steps.length, i + 100)
    while (i < due) send(steps[i++])
    // A timer tick paces the fixed rate; setImmediate just lets the server's own timers and I/O in.
    await (rate > 0 ? Bun.sleep(1) : new Promise((resolve) => setImmediate(resolve)))
  }
  return { start, publishMs: now() - start, publishedAt }
}

function rssSampler() {
  Bun.gc(true)
  const before = process.memoryUsage().rss
  let peak = before
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  return {
    before,
    stop() {
      clearInterval(timer)
      Bun.gc(true)
      const after = process.memoryUsage().rss
      return { before, after, peak: Math.max(peak, after) }
    },
  }
}

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const steps = buildWorkload(o)
  const probes = probeCount(steps)
  const target = o.server === 'switchboard' ? await switchboardTarget() : baselineTarget(o.frameBytes, o.frameEvents)
  try {
    const clients = await spawnClients(target.url, o.clients, probes, o.timeoutMs)
    const rss = rssSampler()
    const published = await publishAll(steps, o.rate, target)
    const report = await clients.report()
    const memory = rss.stop()
    return summarise(o, target, published, report, memory, probes)
  } finally {
    await target.stop()
  }
}

function summarise(
  o: ScenarioOptions,
  target: Target,
  published: Awaited<ReturnType<typeof publishAll>>,
  report: ClientsReport,
  memory: { before: number; after: number; peak: number },
  probes: number,
): ScenarioResult {
  const stats = target.stats()
  const latencies = report.seen.flatMap((times, n) => times.map((t) => t - published.publishedAt[n])).sort((a, b) => a - b)
  const perClient = (xs: number[]) => mean(xs.map((x, c) => x / Math.max(1, (report.lastAt[c] - published.start) / 1000)))
  return {
    server: o.server,
    clients: o.clients,
    rate: o.rate,
    paced: o.paced,
    events: o.events,
    ingestPerSec: o.events / (published.publishMs / 1000),
    broadcasts: stats.broadcasts,
    renders: stats.renders,
    frameBytes: stats.bytes / Math.max(1, stats.broadcasts),
    frameEvents: mean(report.events) / Math.max(1, stats.broadcasts),
    eventsPerClientPerSec: perClient(report.events),
    kbPerClientPerSec: perClient(report.bytes) / 1024,
    latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? NaN, samples: latencies.length, expected: probes * o.clients },
    rssMb: { before: mb(memory.before), after: mb(memory.after), peak: mb(memory.peak) },
    dropped: stats.dropped,
    timedOut: report.timedOut,
  }
}
