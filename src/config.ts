// Environment and command-line flags → one typed Config; a bad value is a one-line error naming the setting.
import type { LogFormat } from './telemetry/log'
import { readFileSync } from 'node:fs'
import { toPriceTable, type PriceTable } from './protocol/prices'

export interface Config {
  port: number
  host: string
  dbPath: string
  token: string | undefined
  /** a Bearer token that opens /metrics alone (for a scraper that should not hold the main token) */
  metricsToken: string | undefined
  /** log lines as JSON (one object a line) or readable text */
  logFormat: LogFormat
  /** host names (with port, as in a Host header) a browser may reach us by, besides loopback */
  publicHosts: string[]
  /** SWITCHBOARD_PUBLIC_URL without its trailing slash: the base of links sent off the page */
  publicUrl: string | undefined
  /** where question and failure notices are POSTed; undefined when SWITCHBOARD_WEBHOOK_URL is unset */
  webhooks: WebhookConfig | undefined
  retention: { days: number; events: number }
  /** a working agent silent for longer is marked quiet */
  quietMinutes: number
  /** an agent of no graph, ended or silent this long, is retired from the page */
  retireMinutes: number
  /** USD per million tokens by model (SWITCHBOARD_PRICES); empty: nothing is priced */
  prices: PriceTable
  demo: boolean
  inspect: 'local' | 'stately'
  /** a `remora serve` to follow (SWITCHBOARD_REMORA_URL / --remora-url), without its trailing slash */
  remoraUrl: string | undefined
  /** several instances share one event log and the question records on this Redis; unset: this instance alone */
  redisUrl?: string
}

export interface WebhookConfig {
  urls: string[]
  /** signs each body (HMAC-SHA256) when set */
  secret: string | undefined
  /** the first retry's delay; each next one doubles, up to the cap */
  retryMs: number
}

export class ConfigError extends Error {
  name = 'ConfigError'
}

export const USAGE = `Usage: switchboard [--no-demo] [--inspect=stately] [--remora-url=URL] [--help]

Environment:
  PORT               port to listen on (default 3000)
  HOST               address to bind (default 127.0.0.1)
  SWITCHBOARD_DB     SQLite workspace file, or :memory: (default ./data/switchboard.db)
  SWITCHBOARD_TOKEN  when set, every route but /healthz, /readyz, /login and the assets needs it:
                     "Authorization: Bearer <token>" for API clients, a sign-in for browsers
  SWITCHBOARD_PUBLIC_URL  the URL people open when it is not on loopback, e.g. https://switchboard.example
  SWITCHBOARD_WEBHOOK_URL     one or more URLs, comma-separated, POSTed a JSON notice when a question is
                              asked, answered, timed out or cancelled, or an agent fails
  SWITCHBOARD_WEBHOOK_SECRET  when set, each notice is signed (X-Switchboard-Signature, HMAC-SHA256)
  SWITCHBOARD_WEBHOOK_RETRY_MS  first retry after this many ms, doubling up to 5 minutes (default 2000)
  SWITCHBOARD_RETAIN_DAYS    stored events older than this are pruned (default 30)
  SWITCHBOARD_RETAIN_EVENTS  at most this many stored events are kept (default 1000000)
  SWITCHBOARD_QUIET_MINUTES  a working agent silent this long is marked quiet (default 10)
  SWITCHBOARD_RETIRE_MINUTES an agent of no graph, ended or silent this long, leaves the page (default 60)
  SWITCHBOARD_METRICS_TOKEN  a Bearer token that opens /metrics alone, for a Prometheus scraper
  LOG_FORMAT         json for one JSON object a line, text (default) for readable lines
  SWITCHBOARD_PRICES  a JSON file, or inline JSON, of USD per million tokens by model:
                      {"claude-sonnet": {"input": 3, "output": 15}}; a model not in it costs nothing (and says so)
  SWITCHBOARD_REMORA_URL  a running \`remora serve\` (e.g. http://127.0.0.1:8420) to follow: its events on the
                          dashboard, its human-input requests as cards, answers sent to its POST /input
                          (same as --remora-url=URL)
  REDIS_URL          redis://[user:password@]host:port[/db]: run as one of several instances sharing this Redis
                     (the event stream and the question records); SWITCHBOARD_DB stays this instance's copy
  DEMO               0 turns the simulated swarm off (same as --no-demo)`

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

function parsePort(raw: string): number {
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be an integer from 0 to 65535, got "${raw}"`)
  return port
}

function httpUrl(name: string, raw: string): URL {
  const url = URL.parse(raw)
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`)
  return url
}

/** The Host header values SWITCHBOARD_PUBLIC_URL stands for: with its port, and without one for the default port. */
function parsePublicUrl(raw: string | undefined): string[] {
  if (!raw) return []
  const url = httpUrl('SWITCHBOARD_PUBLIC_URL', raw)
  return [...new Set([url.host, url.hostname])]
}

/** Comma-separated (a comma inside a URL is written %2C); each checked now, not at the first question. */
function parseWebhooks(env: Record<string, string | undefined>): WebhookConfig | undefined {
  const secret = env.SWITCHBOARD_WEBHOOK_SECRET || undefined
  const urls = (env.SWITCHBOARD_WEBHOOK_URL ?? '').split(',').map((u) => u.trim()).filter(Boolean)
  if (!urls.length) {
    if (secret) throw new ConfigError('SWITCHBOARD_WEBHOOK_SECRET is set but SWITCHBOARD_WEBHOOK_URL is not')
    return undefined
  }
  // The error names the position, not the URL: a webhook URL is often a secret itself (Slack's are).
  urls.forEach((u, i) => {
    const url = URL.parse(u)
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new ConfigError(`SWITCHBOARD_WEBHOOK_URL must be http(s) URLs separated by commas; URL #${i + 1} is not one`)
  })
  return { urls, secret, retryMs: parseCount('SWITCHBOARD_WEBHOOK_RETRY_MS', env.SWITCHBOARD_WEBHOOK_RETRY_MS, 2_000, 1) }
}

function parseCount(name: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number of at least ${min}, got "${raw}"`)
  return n
}

function parseRedisUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined
  const url = URL.parse(raw)
  // The value is not echoed: it may hold a password.
  if (!url || !['redis:', 'rediss:', 'valkey:', 'valkeys:'].includes(url.protocol) || !url.hostname)
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL with a host')
  return raw
}

function parseLogFormat(raw: string | undefined): LogFormat {
  if (raw === undefined || raw === '' || raw === 'text') return 'text'
  if (raw === 'json') return 'json'
  throw new ConfigError(`LOG_FORMAT must be json or text, got "${raw}"`)
}

/** Inline JSON when it starts with `{`, else a file's path; read and checked now, not at the first model call. */
function parsePrices(raw: string | undefined): PriceTable {
  if (raw === undefined || raw.trim() === '') return new Map()
  const inline = /^\s*[[{]/.test(raw)
  let text: string
  try {
    text = inline ? raw : readFileSync(raw, 'utf8')
  } catch (error) {
    throw new ConfigError(`SWITCHBOARD_PRICES: cannot read the file "${raw}" (${(error as { code?: string }).code ?? String(error)})`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ConfigError(`SWITCHBOARD_PRICES${inline ? '' : ` (${raw})`} is not JSON: expected {"model": {"input": USD, "output": USD}} per million tokens`)
  }
  const table = toPriceTable(json)
  if (!table.ok) throw new ConfigError(`SWITCHBOARD_PRICES${inline ? '' : ` (${raw})`}: ${table.reason}`)
  return table.prices
}

function parseDemo(raw: string | undefined): boolean {
  if (raw === undefined || raw === '' || raw === '1' || raw === 'true') return true
  if (raw === '0' || raw === 'false') return false
  throw new ConfigError(`DEMO must be 0 or 1, got "${raw}"`)
}

export type ParseResult = { help: true } | { help: false; config: Config }

export function parseConfig(argv: readonly string[], env: Record<string, string | undefined>): ParseResult {
  let demo = parseDemo(env.DEMO)
  let inspect: Config['inspect'] = 'local'
  let remora = env.SWITCHBOARD_REMORA_URL || undefined
  let remoraFrom = 'SWITCHBOARD_REMORA_URL'
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') return { help: true }
    else if (arg === '--no-demo') demo = false
    else if (arg === '--demo') demo = true
    else if (arg === '--inspect=stately') inspect = 'stately'
    else if (arg === '--inspect=local') inspect = 'local'
    else if (arg.startsWith('--remora-url=')) [remora, remoraFrom] = [arg.slice('--remora-url='.length), '--remora-url']
    else if (arg === '--remora-url') [remora, remoraFrom] = [argv[++i] ?? '', '--remora-url']
    else throw new ConfigError(`unknown flag "${arg}" (see --help)`)
  }
  const host = env.HOST || '127.0.0.1'
  const token = env.SWITCHBOARD_TOKEN || undefined
  if (!LOOPBACK.has(host) && !token)
    throw new ConfigError(`HOST=${host} is not loopback: set SWITCHBOARD_TOKEN so that writes need a token`)
  const config: Config = {
    port: parsePort(env.PORT ?? '3000'),
    host,
    dbPath: env.SWITCHBOARD_DB || './data/switchboard.db',
    token,
    metricsToken: env.SWITCHBOARD_METRICS_TOKEN || undefined,
    logFormat: parseLogFormat(env.LOG_FORMAT),
    publicHosts: parsePublicUrl(env.SWITCHBOARD_PUBLIC_URL),
    publicUrl: env.SWITCHBOARD_PUBLIC_URL ? env.SWITCHBOARD_PUBLIC_URL.replace(/\/+$/, '') : undefined,
    webhooks: parseWebhooks(env),
    retireMinutes: parseCount('SWITCHBOARD_RETIRE_MINUTES', env.SWITCHBOARD_RETIRE_MINUTES, 60, 1),
    quietMinutes: parseCount('SWITCHBOARD_QUIET_MINUTES', env.SWITCHBOARD_QUIET_MINUTES, 10, 1),
    retention: {
      days: parseCount('SWITCHBOARD_RETAIN_DAYS', env.SWITCHBOARD_RETAIN_DAYS, 30, 1),
      events: parseCount('SWITCHBOARD_RETAIN_EVENTS', env.SWITCHBOARD_RETAIN_EVENTS, 1_000_000, 1_000),
    },
    prices: parsePrices(env.SWITCHBOARD_PRICES),
    demo,
    inspect,
    remoraUrl: remora === undefined ? undefined : httpUrl(remoraFrom, remora).href.replace(/\/+$/, ''),
    redisUrl: parseRedisUrl(env.REDIS_URL),
  }
  return { help: false, config }
}
