// Environment and command-line flags → one typed Config, from one table of settings that also writes --help.
import type { LogFormat } from './telemetry/log'
import { readFileSync } from 'node:fs'
import { DEFAULTS } from './protocol/defaults'
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
  /** agent actors kept in memory at most; past it the ones ended longest ago leave memory (still stored) */
  maxAgents: number
  /** USD per million tokens by model (SWITCHBOARD_PRICES); empty: nothing is priced */
  prices: PriceTable
  demo: boolean
  inspect: 'local' | 'stately'
  /** a `remora serve` to follow (SWITCHBOARD_REMORA_URL / --remora-url), without its trailing slash */
  remoraUrl: string | undefined
  /** MCP sessions: how long one may sit unused, how many one client may hold */
  mcp: { idleMinutes: number; sessionsPerClient: number }
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

/** One setting: where it is read from, its default (as --help and the README show it) and how a value is read. */
export interface Setting<T> {
  /** the environment variable; none for a flag-only setting */
  env?: string
  /** the command-line flag that sets it too, as --help shows it */
  flag?: string
  default: T
  /** the default as --help and the README's table write it */
  shown: string
  /** for --help: what it does (continuation lines are indented to match) */
  about: string
  /** a set value (an empty one counts as unset) → the setting; throws a ConfigError naming `name`. None: a flag only. */
  parse?: (raw: string, name: string) => T
}
const setting = <T>(s: Omit<Setting<T>, 'shown'> & { shown?: string }): Setting<T> => ({ shown: String(s.default), ...s })
const text = (raw: string) => raw
const unset = { default: undefined, shown: 'unset', parse: text }
const minutes = (n: number, about: string, env: string) => setting({ env, default: n, about, parse: count(1) })

/** An agent in memory costs about 12 KB of RSS, 5.3 KB of it JS heap (bench/agents-memory.ts): about 0.6 GB at this cap. */
const MAX_AGENTS = 50_000

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

function parsePort(raw: string, name: string): number {
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`${name} must be an integer from 0 to 65535, got "${raw}"`)
  return port
}

function httpUrl(name: string, raw: string): URL {
  const url = URL.parse(raw)
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`)
  return url
}
const urlWithoutSlash = (raw: string, name: string) => httpUrl(name, raw).href.replace(/\/+$/, '')
/** As written (links are built on it), checked as a URL now. */
const publicUrl = (raw: string, name: string) => (httpUrl(name, raw), raw.replace(/\/+$/, ''))

/** Comma-separated (a comma inside a URL is written %2C); each checked now, not at the first question. */
function parseUrlList(raw: string, name: string): string[] {
  const urls = raw.split(',').map((u) => u.trim()).filter(Boolean)
  // The error names the position, not the URL: a webhook URL is often a secret itself (Slack's are).
  urls.forEach((u, i) => {
    const url = URL.parse(u)
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new ConfigError(`${name} must be http(s) URLs separated by commas; URL #${i + 1} is not one`)
  })
  return urls
}

function count(min: number) {
  return (raw: string, name: string): number => {
    const n = Number(raw)
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number of at least ${min}, got "${raw}"`)
    return n
  }
}

function parseRedisUrl(raw: string, name: string): string {
  const url = URL.parse(raw)
  // The value is not echoed: it may hold a password.
  if (!url || !['redis:', 'rediss:', 'valkey:', 'valkeys:'].includes(url.protocol) || !url.hostname)
    throw new ConfigError(`${name} must be a redis:// or rediss:// URL with a host`)
  return raw
}

function parseLogFormat(raw: string, name: string): LogFormat {
  if (raw === 'text' || raw === 'json') return raw
  throw new ConfigError(`${name} must be json or text, got "${raw}"`)
}

/** Inline JSON when it starts with `{`, else a file's path; read and checked now, not at the first model call. */
function parsePrices(raw: string): PriceTable {
  if (raw.trim() === '') return new Map()
  const inline = /^\s*[[{]/.test(raw)
  let body: string
  try {
    body = inline ? raw : readFileSync(raw, 'utf8')
  } catch (error) {
    throw new ConfigError(`SWITCHBOARD_PRICES: cannot read the file "${raw}" (${(error as { code?: string }).code ?? String(error)})`)
  }
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    throw new ConfigError(`SWITCHBOARD_PRICES${inline ? '' : ` (${raw})`} is not JSON: expected {"model": {"input": USD, "output": USD}} per million tokens`)
  }
  const table = toPriceTable(json)
  if (!table.ok) throw new ConfigError(`SWITCHBOARD_PRICES${inline ? '' : ` (${raw})`}: ${table.reason}`)
  return table.prices
}

function parseDemo(raw: string, name: string): boolean {
  if (raw === '1' || raw === 'true') return true
  if (raw === '0' || raw === 'false') return false
  throw new ConfigError(`${name} must be 0 or 1, got "${raw}"`)
}

/** Every setting, in the order --help lists them. */
export const SETTINGS = {
  port: setting({ env: 'PORT', default: 3000, about: 'port to listen on (0 picks a free one)', parse: parsePort }),
  host: setting({ env: 'HOST', default: '127.0.0.1', about: 'address to bind; one not on loopback needs SWITCHBOARD_TOKEN', parse: text }),
  dbPath: setting({ env: 'SWITCHBOARD_DB', default: './data/switchboard.db', about: 'SQLite workspace file, or :memory:', parse: text }),
  token: setting<string | undefined>({ env: 'SWITCHBOARD_TOKEN', ...unset, about: 'when set, every route but /healthz, /readyz, /login and the assets needs it:\n"Authorization: Bearer <token>" for API clients, a sign-in for browsers' }),
  publicUrl: setting<string | undefined>({ env: 'SWITCHBOARD_PUBLIC_URL', ...unset, parse: publicUrl, about: 'the URL people open when it is not on loopback, e.g. https://switchboard.example' }),
  webhookUrls: setting<string[]>({ env: 'SWITCHBOARD_WEBHOOK_URL', default: [], shown: 'unset', parse: parseUrlList, about: 'one or more URLs, comma-separated, POSTed a JSON notice when a question is\nasked, answered, timed out or cancelled, or an agent fails' }),
  webhookSecret: setting<string | undefined>({ env: 'SWITCHBOARD_WEBHOOK_SECRET', ...unset, about: 'when set, each notice is signed (X-Switchboard-Signature, HMAC-SHA256)' }),
  webhookRetryMs: setting({ env: 'SWITCHBOARD_WEBHOOK_RETRY_MS', default: DEFAULTS.webhookRetryMs, parse: count(1), about: `first retry of a failed notice after this many ms, doubling up to ${DEFAULTS.webhookRetryCapMs / 60_000} minutes` }),
  retainDays: setting({ env: 'SWITCHBOARD_RETAIN_DAYS', default: DEFAULTS.retainDays, parse: count(1), about: 'stored events older than this are pruned' }),
  retainEvents: setting({ env: 'SWITCHBOARD_RETAIN_EVENTS', default: DEFAULTS.retainEvents, parse: count(1_000), about: 'at most this many stored events are kept' }),
  quietMinutes: minutes(DEFAULTS.quietMinutes, 'a working agent silent this long is marked quiet', 'SWITCHBOARD_QUIET_MINUTES'),
  retireMinutes: minutes(DEFAULTS.retireMinutes, 'an agent of no graph, ended or silent this long, leaves the page', 'SWITCHBOARD_RETIRE_MINUTES'),
  mcpIdleMinutes: minutes(DEFAULTS.mcpIdleMinutes, 'an MCP session unused this long, with no call waiting, is closed', 'SWITCHBOARD_MCP_IDLE_MINUTES'),
  mcpSessionsPerClient: setting({ env: 'SWITCHBOARD_MCP_SESSIONS_PER_CLIENT', default: DEFAULTS.mcpSessionsPerClient, parse: count(1), about: `MCP sessions one client (its credential at its address) may hold; past it its own\nleast recently used idle one is closed (${DEFAULTS.mcpSessionsPerAddress} an address, ${DEFAULTS.mcpSessions} in all)` }),
  maxAgents: setting({ env: 'SWITCHBOARD_MAX_AGENTS', default: MAX_AGENTS, parse: count(10), about: 'agents kept in memory at most (about 12 KB each); past it the ones ended longest ago leave\nthe dashboard (still stored: their run pages and history stay), so memory stays bounded' }),
  metricsToken: setting<string | undefined>({ env: 'SWITCHBOARD_METRICS_TOKEN', ...unset, about: 'a Bearer token that opens /metrics alone, for a Prometheus scraper' }),
  logFormat: setting<LogFormat>({ env: 'LOG_FORMAT', default: 'text', parse: parseLogFormat, about: 'json for one JSON object a line, text for readable lines' }),
  prices: setting<PriceTable>({ env: 'SWITCHBOARD_PRICES', default: new Map(), shown: 'unset', parse: parsePrices, about: 'a JSON file, or inline JSON, of USD per million tokens by model:\n{"claude-sonnet": {"input": 3, "output": 15}}; a model not in it costs nothing (and says so)' }),
  remoraUrl: setting<string | undefined>({ env: 'SWITCHBOARD_REMORA_URL', flag: '--remora-url=URL', ...unset, parse: urlWithoutSlash, about: 'a running `remora serve` (e.g. http://127.0.0.1:8420) to follow: its events on the\ndashboard, its human-input requests as cards, answers sent to its POST /input' }),
  redisUrl: setting<string | undefined>({ env: 'REDIS_URL', ...unset, parse: parseRedisUrl, about: 'redis://[user:password@]host:port[/db]: run as one of several instances sharing this Redis\n(the event stream and the question records); SWITCHBOARD_DB stays this instance\'s copy' }),
  demo: setting({ env: 'DEMO', flag: '--no-demo', default: true, shown: '1', parse: parseDemo, about: '0 turns the simulated swarm off' }),
  inspect: setting<Config['inspect']>({ flag: '--inspect=local|stately', default: 'local', about: 'also feed Stately\'s hosted inspector (@statelyai/inspect, when installed and online)' }),
} satisfies Record<string, Setting<unknown>>

type Values = { [K in keyof typeof SETTINGS]: (typeof SETTINGS)[K]['default'] }

/** A setting in --help: its names and default, then what it does. */
function helpLines(s: Setting<unknown>): string {
  const names = [s.env, s.flag].filter(Boolean).join(' / ')
  return [`  ${names} (default ${s.shown})`, ...s.about.split('\n').map((line) => `      ${line}`)].join('\n')
}

const flags = Object.values(SETTINGS).flatMap((s: Setting<unknown>) => (s.flag ? [`[${s.flag}]`] : []))
export const USAGE = `Usage: switchboard ${flags.join(' ')} [--help]

Settings (environment variable, flag):
${Object.values(SETTINGS).map(helpLines).join('\n')}`

/** Each setting from the environment (unset or empty: its default). */
function fromEnv(env: Record<string, string | undefined>): Values {
  const values: Record<string, unknown> = {}
  for (const [key, s] of Object.entries(SETTINGS) as Array<[string, Setting<unknown>]>) {
    const raw = s.env === undefined ? undefined : env[s.env]
    values[key] = raw === undefined || raw === '' || !s.parse ? s.default : s.parse(raw, s.env!)
  }
  return values as Values
}

/** Flags win over the environment; `undefined`: --help was asked for. */
function applyFlags(argv: readonly string[], values: Values): Values | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--help' || arg === '-h') return undefined
    else if (arg === '--no-demo') values.demo = false
    else if (arg === '--demo') values.demo = true
    else if (arg === '--inspect=stately') values.inspect = 'stately'
    else if (arg === '--inspect=local') values.inspect = 'local'
    else if (arg.startsWith('--remora-url=')) values.remoraUrl = urlWithoutSlash(arg.slice('--remora-url='.length), '--remora-url')
    else if (arg === '--remora-url') values.remoraUrl = urlWithoutSlash(argv[++i] ?? '', '--remora-url')
    else throw new ConfigError(`unknown flag "${arg}" (see --help)`)
  }
  return values
}

/** The Host header values SWITCHBOARD_PUBLIC_URL stands for: with its port, and without one for the default port. */
const hostsOf = (publicUrl: string | undefined) => (publicUrl ? (({ host, hostname }: URL) => [...new Set([host, hostname])])(new URL(publicUrl)) : [])

function webhooksOf(v: Values): WebhookConfig | undefined {
  if (v.webhookUrls.length) return { urls: v.webhookUrls, secret: v.webhookSecret, retryMs: v.webhookRetryMs }
  if (v.webhookSecret) throw new ConfigError('SWITCHBOARD_WEBHOOK_SECRET is set but SWITCHBOARD_WEBHOOK_URL is not')
  return undefined
}

export type ParseResult = { help: true } | { help: false; config: Config }

export function parseConfig(argv: readonly string[], env: Record<string, string | undefined>): ParseResult {
  const v = applyFlags(argv, fromEnv(env))
  if (!v) return { help: true }
  if (!LOOPBACK.has(v.host) && !v.token)
    throw new ConfigError(`HOST=${v.host} is not loopback: set SWITCHBOARD_TOKEN so that writes need a token`)
  const config: Config = {
    port: v.port,
    host: v.host,
    dbPath: v.dbPath,
    token: v.token,
    metricsToken: v.metricsToken,
    logFormat: v.logFormat,
    publicHosts: hostsOf(v.publicUrl),
    publicUrl: v.publicUrl,
    webhooks: webhooksOf(v),
    retireMinutes: v.retireMinutes,
    maxAgents: v.maxAgents,
    quietMinutes: v.quietMinutes,
    retention: { days: v.retainDays, events: v.retainEvents },
    mcp: { idleMinutes: v.mcpIdleMinutes, sessionsPerClient: v.mcpSessionsPerClient },
    prices: v.prices,
    demo: v.demo,
    inspect: v.inspect,
    remoraUrl: v.remoraUrl,
    redisUrl: v.redisUrl,
  }
  return { help: false, config }
}

/** Every setting at its default: the base that tests and benches change a few fields of. */
export function defaultConfig(): Config {
  const parsed = parseConfig([], {})
  if (parsed.help) throw new Error('unreachable')
  return parsed.config
}
