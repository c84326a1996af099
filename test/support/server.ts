// The real server for tests, started by startSwitchboard as `npm start` is: real SQLite file, real bus, real actors; on a real port unless `listen: false`.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultConfig } from '../../src/config'
import { DEFAULTS } from '../../src/protocol/defaults'
import type { AppServices } from '../../src/server/app'
import type { WebhookOptions } from '../../src/notify/webhook-notifier'
import { startSwitchboard } from '../../src/switchboard'
import { IN_PROCESS } from './http'

export interface TestServerOptions {
  dbPath?: string
  token?: string
  metricsToken?: string
  allowedHosts?: string[]
  hub?: AppServices['hub']
  stream?: AppServices['stream']
  mcp?: AppServices['mcp']
  claudeCode?: AppServices['claudeCode']
  pollMs?: number
  /** a fixed port, e.g. the one a stopped server had, so a client can reconnect to a restart; default: a free one */
  port?: number
  /** false: bind no port; requests go in-process, `app.handle(req(...))`, and url is IN_PROCESS (default true) */
  listen?: boolean
  /** follow this `remora serve` (a stand-in), reconnecting after retryMs */
  remora?: { url: string; retryMs?: number }
  /** webhooks on: where to, and optionally the secret, a small backoff, a public URL for links */
  webhooks?: Pick<WebhookOptions, 'urls' | 'secret' | 'retry' | 'timeoutMs' | 'pollMs' | 'concurrency' | 'leaseMs' | 'clock'> & { publicUrl?: string }
  /** one of several instances on this Redis (as REDIS_URL does) */
  redisUrl?: string
  /** with redisUrl: how many events may wait while Redis is away (default: the relay's) */
  maxQueued?: number
  /** SWITCHBOARD_MAX_AGENTS (default: the setting's) */
  maxAgents?: number
}

export const tempDb = () => join(mkdtempSync(join(tmpdir(), 'switchboard-')), 'test.db')

export async function startTestServer(options: TestServerOptions = {}) {
  const { urls, secret, publicUrl, ...webhookTimings } = options.webhooks ?? { urls: [] }
  const { url: remoraUrl, ...remoraTimings } = options.remora ?? { url: undefined }
  const config = {
    ...defaultConfig(),
    port: options.port ?? 0,
    dbPath: options.dbPath ?? tempDb(),
    token: options.token,
    metricsToken: options.metricsToken,
    publicUrl,
    webhooks: options.webhooks && { urls: [...urls], secret, retryMs: webhookTimings.retry?.firstMs ?? DEFAULTS.webhookRetryMs },
    // As before the harness moved here: events with fixed timestamps long past are not retired for being old.
    retireMinutes: Infinity,
    demo: false,
    remoraUrl,
    redisUrl: options.redisUrl,
    ...(options.maxAgents === undefined ? {} : { maxAgents: options.maxAgents }),
  }
  const quiet = () => {}
  const board = await startSwitchboard(config, {
    listen: options.listen,
    allowedHosts: options.allowedHosts,
    pollMs: options.pollMs ?? 50,
    hub: options.hub,
    stream: options.stream,
    mcp: options.mcp,
    claudeCode: options.claudeCode,
    webhooks: { log: quiet, ...webhookTimings },
    remora: { log: quiet, maxDelayMs: 1_000, ...remoraTimings },
    maxQueued: options.maxQueued,
  })
  return { ...board, url: options.listen === false ? IN_PROCESS : board.url, dbPath: config.dbPath }
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
