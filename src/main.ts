// CLI entry: config → workspace → bus → actors → server (→ demo swarm).
import { openCluster, type Cluster } from './cluster/cluster'
import { redisTarget } from './cluster/redis-log'
import { parseConfig, ConfigError, USAGE, type Config } from './config'
import { RemoraBridge } from './bridges/remora-bridge'
import { DEMO_GRAPH_PREFIX } from './demo/plan'
import { runDemoSwarm } from './demo/swarm'
import { openDurableBus } from './events/durable'
import { Inspector } from './inspector/inspector'
import { withStately } from './inspector/stately'
import { startDashboard } from './machines/dashboard'
import { WebhookNotifier } from './notify/webhook-notifier'
import { QuestionService } from './questions/question-service'
import { createApp } from './server/app'
import { configureLogs, logger } from './telemetry/log'
import { openSqliteWorkspace } from './workspace/sqlite'
import { StorageUnavailable, type Workspace } from './workspace/workspace'

function readConfig(): Config {
  try {
    const parsed = parseConfig(Bun.argv.slice(2), process.env)
    if (parsed.help) {
      console.log(USAGE)
      process.exit(0)
    }
    return parsed.config
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`switchboard: ${error.message}`)
    process.exit(2)
  }
}

/** Fail at start, in one line, on a database we cannot use: not later, on the first question. */
function openOrExit<T>(what: string, open: () => T): T {
  try {
    return open()
  } catch (error) {
    const reason = error instanceof StorageUnavailable ? error.reason : error instanceof Error ? error.message : String(error)
    console.error(`switchboard: cannot use the database ${config.dbPath} for ${what}: ${reason} (SWITCHBOARD_DB)`)
    process.exit(2)
  }
}

function openWorkspace(path: string): Workspace {
  const workspace = openSqliteWorkspace(path)
  workspace.transaction(() => workspace.set('switchboard:started_at', Date.now()))
  return workspace
}

/** With REDIS_URL: Redis must answer now, or the start stops in one line (the URL's password is not shown). */
async function clusterOrExit(url: string | undefined): Promise<Cluster | undefined> {
  if (!url) return undefined
  try {
    return await openCluster(url, config.retention.events)
  } catch (error) {
    console.error(`switchboard: cannot reach Redis at ${redisTarget(url)}: ${error instanceof Error ? error.message : String(error)} (REDIS_URL)`)
    process.exit(2)
  }
}

const config = readConfig()
configureLogs(config.logFormat)
const log = logger('server')
const cluster = await clusterOrExit(config.redisUrl)
const workspace = openOrExit('the workspace', () => openWorkspace(config.dbPath))
const durable = openOrExit('the event store', () => openDurableBus(config.dbPath, config.retention, undefined, cluster?.relay))
const { bus } = durable
const inspector = new Inspector()
const inspect = await withStately(inspector.observe, config.inspect === 'stately')
const dashboard = startDashboard(bus, { inspect, restore: durable.restore })
durable.start(() => dashboard.checkpoint(), () => dashboard.agents.size)
const questions = new QuestionService({ workspace, bus, authority: cluster?.authority })
questions.start()
// Several instances: this one's copy catches up with the shared stream before it serves anyone.
await cluster?.join(bus, durable.store, questions)
questions.resettle(dashboard.awaiting())
// Agents that belong to no graph leave once ended or silent for long: checked now and every minute.
const sweep = () => dashboard.sweep(config.retireMinutes * 60_000)
sweep()
setInterval(sweep, 60_000).unref()
// A browser may reach us by the address we bind (unless it is a wildcard) and by the public URL.
const allowedHosts = [...config.publicHosts, ...(['0.0.0.0', '::', '[::]'].includes(config.host) ? [] : [config.host.toLowerCase()])]
const { app, hub } = createApp({
  bus,
  questions,
  dashboard,
  inspector,
  store: durable.store,
  token: config.token,
  metricsToken: config.metricsToken,
  allowedHosts,
  stream: { quietMs: config.quietMinutes * 60_000, prices: config.prices },
})
try {
  app.listen({ port: config.port, hostname: config.host, idleTimeout: 30, reusePort: false })
} catch (error) {
  const code = (error as { code?: string }).code
  console.error(`switchboard: cannot listen on ${config.host}:${config.port}: ${code === 'EADDRINUSE' ? 'the port is already in use' : String(error)}`)
  process.exit(2)
}
const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${app.server?.port}/`
// Links in webhook notices point where people open the page: the public URL, else where we listen.
const webhooks = config.webhooks
const notifier = webhooks && openOrExit('webhooks', () => new WebhookNotifier({
  dbPath: config.dbPath,
  store: durable.store,
  urls: webhooks.urls,
  secret: webhooks.secret,
  baseUrl: config.publicUrl ?? url.replace(/\/$/, ''),
  retry: { firstMs: webhooks.retryMs },
  shared: cluster?.deliveries,
}))
notifier?.start(bus)
const remora = config.remoraUrl ? new RemoraBridge({ url: config.remoraUrl, bus, questions }) : undefined
remora?.start()
log.info(`Switchboard listening on ${url}${config.demo ? ' (demo swarm running; --no-demo to turn it off)' : ''}`, {
  event: 'start',
  url,
  db: config.dbPath,
  redis: config.redisUrl ? redisTarget(config.redisUrl) : 'unset',
  token: config.token ? 'set' : 'unset',
  demo: config.demo,
})

const demo = new AbortController()
// Each start of the demo has ids of its own; questions a previous demo left open are withdrawn.
const demoTag = Date.now().toString(36)
if (config.demo) questions.cancel((q) => q.graph_id?.startsWith(DEMO_GRAPH_PREFIX) === true)
// A demo that cannot go on (the shared log refusing its events while Redis is away for long) stops with one line, the server does not.
const demoDone = (config.demo ? runDemoSwarm({ bus, asker: questions, signal: demo.signal, tag: demoTag }) : Promise.resolve()).catch((error) =>
  log.warn(`demo swarm stopped: ${error instanceof Error ? error.message : String(error)}`),
)

// Within two seconds whatever is open: long-polls are answered with their status, streams end as
// failures (so browsers and SDKs reconnect to the next process), the database is closed last.
const STOP_DEADLINE_MS = 2_000
let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  log.info(`${signal}: stopping`, { event: 'stopping', signal })
  setTimeout(() => {
    log.error(`still stopping after ${STOP_DEADLINE_MS} ms; exiting`, { event: 'stop', clean: false })
    process.exit(1)
  }, STOP_DEADLINE_MS).unref()
  demo.abort()
  await demoDone
  await remora?.stop()
  questions.release()
  hub.close()
  // One turn of the loop so the answered long-polls and the errored streams are written out.
  await Bun.sleep(20)
  await app.stop(true)
  // Before the store closes: POSTs in flight are abandoned and stay in the outbox for the next start.
  await notifier?.stop()
  await cluster?.close()
  durable.close()
  dashboard.stop()
  questions.close()
  log.info('stopped', { event: 'stop', clean: true })
  process.exit(0)
}
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))
