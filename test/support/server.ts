// Real server on a real port for tests: real SQLite file, real bus, real actors.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QuestionService } from '../../src/questions/question-service'
import { openDurableBus } from '../../src/events/durable'
import { Inspector } from '../../src/inspector/inspector'
import { startDashboard } from '../../src/machines/dashboard'
import { createApp, type AppServices } from '../../src/server/app'
import { openSqliteWorkspace } from '../../src/workspace/sqlite'
import { WebhookNotifier, type WebhookOptions } from '../../src/notify/webhook-notifier'
import { RemoraBridge } from '../../src/bridges/remora-bridge'
import { openCluster } from '../../src/cluster/cluster'
import { IN_PROCESS } from './http'

export interface TestServerOptions {
  dbPath?: string
  token?: string
  metricsToken?: string
  allowedHosts?: string[]
  hub?: AppServices['hub']
  stream?: AppServices['stream']
  mcp?: AppServices['mcp']
  pollMs?: number
  /** false: bind no port; requests go in-process, `app.handle(req(...))` (default true) */
  listen?: boolean
  /** a fixed port, e.g. the one a stopped server had, so a client can reconnect to a restart; default: a free one */
  port?: number
  /** webhooks on: where to, and optionally the secret, a small backoff, a public URL for links */
  /** follow this `remora serve` (a stand-in), reconnecting after retryMs */
  remora?: { url: string; retryMs?: number }
  webhooks?: Pick<WebhookOptions, 'urls' | 'secret' | 'retry' | 'timeoutMs' | 'pollMs' | 'concurrency' | 'leaseMs'> & { publicUrl?: string }
  /** one of several instances on this Redis (as REDIS_URL does) */
  redisUrl?: string
  /** with redisUrl: how many events may wait while Redis is away (default: the relay's) */
  maxQueued?: number
}

export const tempDb = () => join(mkdtempSync(join(tmpdir(), 'switchboard-')), 'test.db')

export async function startTestServer(options: TestServerOptions = {}) {
  const dbPath = options.dbPath ?? tempDb()
  const workspace = openSqliteWorkspace(dbPath)
  const cluster = options.redisUrl === undefined ? undefined : await openCluster(options.redisUrl, 1_000_000, options.maxQueued)
  // The same durable bus as `npm start`: events stored in the file, actors rebuilt from it on a restart.
  const durable = openDurableBus(dbPath, undefined, undefined, cluster?.relay)
  const { bus } = durable
  const inspector = new Inspector()
  const dashboard = startDashboard(bus, { inspect: inspector.observe, restore: durable.restore })
  durable.start(() => dashboard.checkpoint(), () => dashboard.agents.size)
  const questions = new QuestionService({ workspace, bus, pollMs: options.pollMs ?? 50, authority: cluster?.authority })
  questions.start()
  await cluster?.join(bus, durable.store, questions)
  questions.resettle(dashboard.awaiting())
  const { app, hub, stream, mcp } = createApp({ bus, questions, dashboard, inspector, store: durable.store, token: options.token, metricsToken: options.metricsToken, allowedHosts: options.allowedHosts, hub: options.hub, stream: options.stream, mcp: options.mcp })
  if (options.listen !== false) app.listen({ port: options.port ?? 0, hostname: '127.0.0.1' })
  const url = app.server ? `http://127.0.0.1:${app.server.port}` : IN_PROCESS
  const webhooks = options.webhooks
  const notifier = webhooks && new WebhookNotifier({ ...webhooks, dbPath, store: durable.store, baseUrl: webhooks.publicUrl ?? url, log: () => {}, shared: cluster?.deliveries })
  notifier?.start(bus)
  const remora = options.remora && new RemoraBridge({ ...options.remora, bus, questions, maxDelayMs: 1_000, log: () => {} })
  remora?.start()
  return {
    url,
    dbPath,
    bus,
    store: durable.store,
    questions,
    dashboard,
    inspector,
    app,
    hub,
    stream,
    mcp,
    notifier,
    async stop() {
      await remora?.stop()
      if (app.server) await app.stop(true)
      await notifier?.stop()
      await cluster?.close()
      durable.close()
      dashboard.stop()
      questions.close()
    },
  }
}

export type TestServer = Awaited<ReturnType<typeof startTestServer>>

/** Read an SSE response until `until(text so far)` holds; returns the text. */
export async function readUntil(res: Response, until: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const deadline = setTimeout(() => reader.cancel(), timeoutMs)
  try {
    while (!until(text)) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended before the condition held; got:\n${text.slice(-2000)}`)
      text += decoder.decode(value, { stream: true })
    }
    return text
  } finally {
    clearTimeout(deadline)
    reader.releaseLock()
  }
}
