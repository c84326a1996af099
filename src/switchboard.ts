// One Switchboard: the start order and the stop order, for the CLI, the tests and the benches alike.
import { openCluster, type Cluster } from './cluster/cluster'
import { redisTarget } from './cluster/redis-log'
import type { Config } from './config'
import { RemoraBridge, type RemoraBridgeOptions } from './bridges/remora-bridge'
import { DEMO_GRAPH_PREFIX } from './demo/plan'
import { runDemoSwarm } from './demo/swarm'
import { openDurableBus, type DurableBus } from './events/durable'
import { agentKey, Inspector } from './inspector/inspector'
import { withStately } from './inspector/stately'
import type { StreamOptions } from './live/dashboard-stream'
import type { HubOptions } from './live/sse-hub'
import { startDashboard, type DashboardHandle } from './machines/dashboard'
import type { McpOptions } from './mcp/mcp-gateway'
import type { ClaudeCodeOptions } from './server/routes/claude-code'
import { WebhookNotifier, type WebhookOptions } from './notify/webhook-notifier'
import { QuestionService } from './questions/question-service'
import { createApp } from './server/app'
import { SpanAssembler } from './otlp/assembler'
import { SqliteTraceStore } from './otlp/trace-store'
import { watchOtlpIndex } from './telemetry/metrics'
import { logger } from './telemetry/log'
import { openSqliteWorkspace } from './workspace/sqlite'
import { StorageUnavailable, type Workspace } from './workspace/workspace'

/** A start that cannot go on; `message` is the one line the CLI prints (exit code 2). */
export class StartupError extends Error {
  name = 'StartupError'
}
export class DatabaseUnusable extends StartupError {
  constructor(dbPath: string, what: string, error: unknown) {
    const reason = error instanceof StorageUnavailable ? error.reason : error instanceof Error ? error.message : String(error)
    super(`cannot use the database ${dbPath} for ${what}: ${reason} (SWITCHBOARD_DB)`)
  }
}
/** The URL's password is not shown. */
export class RedisUnreachable extends StartupError {
  constructor(url: string, error: unknown) {
    super(`cannot reach Redis at ${redisTarget(url)}: ${error instanceof Error ? error.message : String(error)} (REDIS_URL)`)
  }
}
export class CannotListen extends StartupError {
  constructor(host: string, port: number, error: unknown) {
    const code = (error as { code?: string }).code
    super(`cannot listen on ${host}:${port}: ${code === 'EADDRINUSE' ? 'the port is already in use' : String(error)}`)
  }
}

/** What the configuration does not say: timings and bounds tests shorten, and the no-port mode. */
export interface Overrides {
  /** false: no port is bound, requests come through `app.handle` in-process; default true */
  listen?: boolean
  /** Host header values accepted besides loopback; default: the public URL's host and the bound address */
  allowedHosts?: readonly string[]
  /** the question service's reconciliation interval */
  pollMs?: number
  hub?: HubOptions
  /** over the configuration's quiet time and prices */
  stream?: StreamOptions
  mcp?: McpOptions
  claudeCode?: ClaudeCodeOptions
  webhooks?: Pick<WebhookOptions, 'retry' | 'timeoutMs' | 'pollMs' | 'concurrency' | 'leaseMs' | 'log' | 'clock'>
  remora?: Pick<RemoraBridgeOptions, 'retryMs' | 'maxDelayMs' | 'log'>
  /** with REDIS_URL: how many events may wait while Redis is away (default: the relay's) */
  maxQueued?: number
}

/** Within this, whatever is open, a stop is done (the CLI exits 1 past it). */
export const STOP_DEADLINE_MS = 2_000
/** Answered long-polls and errored streams have this long to be written out before connections are cut. */
const DRAIN_MS = 1_000
/** Agents of no graph that ended or went silent are looked for this often. */
const SWEEP_EVERY_MS = 60_000
const WILDCARDS = ['0.0.0.0', '::', '[::]']
const log = logger('server')

type App = ReturnType<typeof createApp>

/** Everything a Switchboard runs; while starting, only what has started so far. */
interface Parts {
  cluster?: Cluster
  workspace?: Workspace
  durable?: DurableBus
  dashboard?: DashboardHandle
  questions?: QuestionService
  sweeper?: ReturnType<typeof setInterval>
  spans?: { assembler: SpanAssembler; store: SqliteTraceStore; timer: ReturnType<typeof setInterval> }
  http?: App
  notifier?: WebhookNotifier
  remora?: RemoraBridge
  demo?: { abort: AbortController; done: Promise<void> }
}

function opened<T>(config: Config, what: string, open: () => T): T {
  try {
    return open()
  } catch (error) {
    throw new DatabaseUnusable(config.dbPath, what, error)
  }
}

async function openStorage(config: Config, overrides: Overrides, p: Parts): Promise<void> {
  if (config.redisUrl) {
    const url = config.redisUrl
    p.cluster = await openCluster(url, config.retention.events, overrides.maxQueued).catch((error) => {
      throw new RedisUnreachable(url, error)
    })
  }
  p.workspace = opened(config, 'the workspace', () => openSqliteWorkspace(config.dbPath))
  p.durable = opened(config, 'the event store', () => openDurableBus(config.dbPath, config.retention, undefined, p.cluster?.relay))
  const store = opened(config, 'the OTLP trace index', () => new SqliteTraceStore(config.dbPath))
  const assembler = new SpanAssembler(store)
  watchOtlpIndex(() => assembler.stats())
  const bus = p.durable.bus
  // Traces gone quiet: their held work goes to their own agents.
  const timer = setInterval(() => {
    const due = assembler.expire()
    if (due.events.length) void bus.ingest(due.events).then(due.settle, (error) => log.warn(`OTLP traces not settled: ${String(error)}`))
    else due.settle()
  }, SWEEP_EVERY_MS)
  timer.unref?.()
  p.spans = { assembler, store, timer }
}

/** Actors rebuilt from the store, then questions, then (several instances) the shared stream caught up, before anyone is served. */
async function startCore(config: Config, overrides: Overrides, p: Parts, inspector: Inspector): Promise<void> {
  const durable = p.durable!
  const inspect = await withStately(inspector.observe, config.inspect === 'stately')
  // An agent past SWITCHBOARD_MAX_AGENTS leaves the inspector's memory with its actor.
  const onEvicted = (agentId: string) => inspector.forget(agentKey(agentId))
  const dashboard = (p.dashboard = startDashboard(durable.bus, { inspect, restore: durable.restore, maxAgents: config.maxAgents, onEvicted, turnOf: (e) => durable.store.steps.turnAt(e) }))
  durable.start(() => dashboard.checkpoint(), () => dashboard.agents.size)
  const questions = (p.questions = new QuestionService({ workspace: p.workspace!, bus: durable.bus, pollMs: overrides.pollMs, authority: p.cluster?.authority }))
  questions.start()
  await p.cluster?.join(durable.bus, durable.store, questions)
  questions.resettle(dashboard.awaiting())
  // Agents that belong to no graph leave once ended or silent for long: checked now and every minute.
  const sweep = () => dashboard.sweep(config.retireMinutes * 60_000)
  sweep()
  p.sweeper = setInterval(sweep, SWEEP_EVERY_MS)
  p.sweeper.unref?.()
}

/** The app, listening unless told not to; returns the base URL (without a port when not listening). */
function serve(config: Config, overrides: Overrides, p: Parts, inspector: Inspector): string {
  // A browser may reach us by the address we bind (unless it is a wildcard) and by the public URL.
  const allowedHosts = overrides.allowedHosts ?? [...config.publicHosts, ...(WILDCARDS.includes(config.host) ? [] : [config.host.toLowerCase()])]
  const { bus, store } = p.durable!
  p.http = createApp({
    bus,
    questions: p.questions!,
    dashboard: p.dashboard!,
    inspector,
    store,
    token: config.token,
    metricsToken: config.metricsToken,
    allowedHosts,
    hub: overrides.hub,
    stream: { quietMs: config.quietMinutes * 60_000, prices: config.prices, ...overrides.stream },
    mcp: { idleMs: config.mcp.idleMinutes * 60_000, maxSessionsPerClient: config.mcp.sessionsPerClient, ...overrides.mcp },
    spans: p.spans?.assembler,
    claudeCode: overrides.claudeCode,
  })
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  if (overrides.listen === false) return `http://${host}`
  try {
    p.http.app.listen({ port: config.port, hostname: config.host, idleTimeout: 30, reusePort: false })
  } catch (error) {
    throw new CannotListen(config.host, config.port, error)
  }
  return `http://${host}:${p.http.app.server!.port}`
}

/** What reaches outside: webhooks, the Remora bridge, the demo swarm. */
function startOutside(config: Config, overrides: Overrides, p: Parts, url: string): void {
  const { bus, store } = p.durable!
  const questions = p.questions!
  const webhooks = config.webhooks
  // Links in notices point where people open the page: the public URL, else where we listen.
  if (webhooks) {
    const options = { dbPath: config.dbPath, store, urls: webhooks.urls, secret: webhooks.secret, baseUrl: config.publicUrl ?? url, shared: p.cluster?.deliveries }
    p.notifier = opened(config, 'webhooks', () => new WebhookNotifier({ ...options, ...overrides.webhooks, retry: { firstMs: webhooks.retryMs, ...overrides.webhooks?.retry } }))
    p.notifier.start(bus)
  }
  if (config.remoraUrl) {
    p.remora = new RemoraBridge({ url: config.remoraUrl, bus, questions, ...overrides.remora })
    p.remora.start()
  }
  if (!config.demo) return
  // Each start of the demo has ids of its own; questions a previous demo left open are withdrawn.
  questions.cancel((q) => q.graph_id?.startsWith(DEMO_GRAPH_PREFIX) === true)
  const abort = new AbortController()
  // A demo that cannot go on (the shared log refusing its events while Redis is away for long) stops with one line, the server does not.
  const done = runDemoSwarm({ bus, asker: questions, signal: abort.signal, tag: Date.now().toString(36) }).catch((error) =>
    log.warn(`demo swarm stopped: ${error instanceof Error ? error.message : String(error)}`),
  )
  p.demo = { abort, done }
}

/** The HTTP side: wait until what is being answered is written out (bounded), then cut what is left. */
async function stopHttp(http: App): Promise<void> {
  const { app, mcp } = http
  const server = app.server
  if (!server) {
    // Never listened: the app's own teardown (streams, MCP sessions) still runs.
    for (const hook of app.event.stop ?? []) await hook.fn(app)
    return
  }
  // MCP calls waiting on an answer end now instead of holding the drain open.
  await mcp.close()
  const cut = setTimeout(() => void server.stop(true), DRAIN_MS)
  await app.stop(false)
  clearTimeout(cut)
  await server.stop(true)
}

/**
 * Within STOP_DEADLINE_MS whatever is open: long-polls are answered with their status, streams end as
 * failures (so browsers and SDKs reconnect to the next process), the database is closed last.
 */
async function stopAll(p: Parts): Promise<void> {
  clearInterval(p.sweeper)
  clearInterval(p.spans?.timer)
  p.demo?.abort.abort()
  await p.demo?.done
  await p.remora?.stop()
  p.questions?.release()
  p.http?.hub.close()
  if (p.http) await stopHttp(p.http)
  // Before the store closes: POSTs in flight are abandoned and stay in the outbox for the next start.
  await p.notifier?.stop()
  await p.cluster?.close()
  p.durable?.close()
  p.spans?.store.close()
  p.dashboard?.stop()
  if (p.questions) p.questions.close()
  else p.workspace?.close()
}

export type Switchboard = Awaited<ReturnType<typeof startSwitchboard>>

/** Start everything in order; a start that fails stops what it had started and throws a StartupError. */
export async function startSwitchboard(config: Config, overrides: Overrides = {}) {
  const p: Parts = {}
  const inspector = new Inspector()
  let url: string
  try {
    await openStorage(config, overrides, p)
    await startCore(config, overrides, p, inspector)
    url = serve(config, overrides, p, inspector)
    startOutside(config, overrides, p, url)
  } catch (error) {
    await stopAll(p)
    throw error
  }
  let stopped: Promise<void> | undefined
  const { bus, store } = p.durable!
  const { app, hub, view, stream, mcp } = p.http!
  return {
    /** where it listens, without a trailing slash (not listening: the base for `app.handle` requests) */
    url,
    config,
    bus,
    store,
    questions: p.questions!,
    dashboard: p.dashboard!,
    inspector,
    app,
    hub,
    /** the read model: what routes and streams show */
    view,
    stream,
    mcp,
    notifier: p.notifier,
    /** OTLP spans → agents across exports, with its index */
    spans: p.spans?.assembler,
    /** Stop in order; a second call waits for the first. */
    stop: (): Promise<void> => (stopped ??= stopAll(p)),
  }
}
