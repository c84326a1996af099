import { describe, expect, it } from 'bun:test'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseConfig, SETTINGS, USAGE, type Setting } from '../src/config'
import { DEFAULT_RETENTION } from '../src/events/durable'
import { DEFAULT_RETRY } from '../src/notify/retry'
import { DEFAULT_QUIET_MS } from '../src/view-model/derive'

const cfg = (argv: string[], env: Record<string, string> = {}) => {
  const r = parseConfig(argv, env)
  if (r.help) throw new Error('unexpected help')
  return r.config
}

describe('parseConfig', () => {
  it('has the documented defaults', () => {
    expect(cfg([])).toEqual({ port: 3000, host: '127.0.0.1', dbPath: './data/switchboard.db', token: undefined, metricsToken: undefined, logFormat: 'text', publicHosts: [], publicUrl: undefined, webhooks: undefined, quietMinutes: 10, retireMinutes: 60, maxAgents: 50_000, retention: { days: 30, events: 1_000_000 }, prices: new Map(), demo: true, inspect: 'local', remoraUrl: undefined, mcp: { idleMinutes: 1440, sessionsPerClient: 100 } })
  })
  it('reads env and flags', () => {
    const c = cfg(['--no-demo', '--inspect=stately'], { PORT: '8080', SWITCHBOARD_DB: ':memory:', SWITCHBOARD_TOKEN: 's' })
    expect(c).toMatchObject({ port: 8080, dbPath: ':memory:', token: 's', demo: false, inspect: 'stately' })
    expect(cfg([], { DEMO: '0' }).demo).toBe(false)
  })
  it('names the setting of a bad value', () => {
    expect(() => cfg([], { PORT: 'abc' })).toThrow('PORT must be an integer')
    expect(() => cfg([], { PORT: '70000' })).toThrow('PORT must be an integer')
    expect(() => cfg(['--bogus'])).toThrow('unknown flag "--bogus"')
    expect(() => cfg([], { DEMO: 'maybe' })).toThrow('DEMO must be 0 or 1')
  })
  it('reads the Remora URL from the env or the flag (the flag wins), and refuses one that is not http(s)', () => {
    expect(cfg([], { SWITCHBOARD_REMORA_URL: 'http://127.0.0.1:8420/' }).remoraUrl).toBe('http://127.0.0.1:8420')
    expect(cfg(['--remora-url=http://r:1'], { SWITCHBOARD_REMORA_URL: 'http://x:2' }).remoraUrl).toBe('http://r:1')
    expect(cfg(['--remora-url', 'https://r.example/base/']).remoraUrl).toBe('https://r.example/base')
    expect(() => cfg([], { SWITCHBOARD_REMORA_URL: 'localhost:8420' })).toThrow('SWITCHBOARD_REMORA_URL must be an http(s) URL')
    expect(() => cfg(['--remora-url'])).toThrow('--remora-url must be an http(s) URL')
  })
  it('refuses a non-loopback HOST without a token', () => {
    expect(() => cfg([], { HOST: '0.0.0.0' })).toThrow('SWITCHBOARD_TOKEN')
    expect(cfg([], { HOST: '0.0.0.0', SWITCHBOARD_TOKEN: 't' }).host).toBe('0.0.0.0')
  })
  it('reads the public URL as the host names browsers may use, and refuses a bad one', () => {
    expect(cfg([], { SWITCHBOARD_PUBLIC_URL: 'https://board.example.com' }).publicHosts).toEqual(['board.example.com'])
    expect(cfg([], { SWITCHBOARD_PUBLIC_URL: 'http://10.0.0.5:3000/' }).publicHosts).toEqual(['10.0.0.5:3000', '10.0.0.5'])
    expect(() => cfg([], { SWITCHBOARD_PUBLIC_URL: 'board.example.com' })).toThrow('SWITCHBOARD_PUBLIC_URL must be an http(s) URL')
    expect(() => cfg([], { SWITCHBOARD_PUBLIC_URL: 'ftp://x' })).toThrow('SWITCHBOARD_PUBLIC_URL')
  })
  it('reads webhook URLs separated by commas, and refuses a bad one without printing it', () => {
    const w = cfg([], { SWITCHBOARD_WEBHOOK_URL: ' https://hooks.example/a , http://127.0.0.1:9/b', SWITCHBOARD_WEBHOOK_SECRET: 's3' }).webhooks
    expect(w).toEqual({ urls: ['https://hooks.example/a', 'http://127.0.0.1:9/b'], secret: 's3', retryMs: 2_000 })
    expect(cfg([], { SWITCHBOARD_WEBHOOK_URL: 'http://x/', SWITCHBOARD_WEBHOOK_RETRY_MS: '50' }).webhooks?.retryMs).toBe(50)
    expect(() => cfg([], { SWITCHBOARD_WEBHOOK_URL: 'http://x/,hooks.example/secret-path' })).toThrow(/^SWITCHBOARD_WEBHOOK_URL must be http\(s\) URLs separated by commas; URL #2 is not one$/)
    expect(() => cfg([], { SWITCHBOARD_WEBHOOK_URL: 'ftp://x' })).toThrow('URL #1')
    expect(() => cfg([], { SWITCHBOARD_WEBHOOK_SECRET: 's' })).toThrow('SWITCHBOARD_WEBHOOK_SECRET is set but SWITCHBOARD_WEBHOOK_URL is not')
    expect(cfg([], { SWITCHBOARD_PUBLIC_URL: 'https://board.example.com/' }).publicUrl).toBe('https://board.example.com')
  })
  it('reads retention and refuses a bad value', () => {
    expect(cfg([], { SWITCHBOARD_RETAIN_DAYS: '7', SWITCHBOARD_RETAIN_EVENTS: '5000' }).retention).toEqual({ days: 7, events: 5000 })
    expect(() => cfg([], { SWITCHBOARD_RETAIN_DAYS: '0' })).toThrow('SWITCHBOARD_RETAIN_DAYS must be a whole number of at least 1')
    expect(() => cfg([], { SWITCHBOARD_RETAIN_EVENTS: 'lots' })).toThrow('SWITCHBOARD_RETAIN_EVENTS')
  })
  it('takes REDIS_URL as a redis:// or rediss:// URL, and refuses anything else without echoing it (it may hold a password)', () => {
    expect(cfg([]).redisUrl).toBeUndefined()
    expect(cfg([], { REDIS_URL: 'redis://:pw@127.0.0.1:6379/2' }).redisUrl).toBe('redis://:pw@127.0.0.1:6379/2')
    expect(cfg([], { REDIS_URL: 'rediss://cache.example:6380' }).redisUrl).toBe('rediss://cache.example:6380')
    for (const bad of ['http://x:6379', 'localhost:6379', 'redis://', 'redis://:secret@'])
      expect(() => cfg([], { REDIS_URL: bad })).toThrow(/^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL with a host$/)
  })
  it('answers --help', () => expect(parseConfig(['--help'], {})).toEqual({ help: true }))
})

describe('the table of settings', () => {
  const rows = Object.values(SETTINGS) as Array<Setting<unknown>>
  const names = (s: Setting<unknown>) => [s.env, s.flag].filter((n): n is string => !!n)

  it('writes --help: every setting is listed by its names with its default', () => {
    const lines = USAGE.split('\n')
    for (const s of rows) {
      const line = lines.find((l) => l.trimStart().startsWith(`${names(s)[0]} `))
      expect(line, `${names(s)[0]} in --help`).toBeDefined()
      for (const name of names(s)) expect(line).toContain(name)
      expect(line).toContain(`(default ${s.shown})`)
    }
  })

  it('is what `switchboard --help` prints, exit code 0', () => {
    const run = Bun.spawnSync([process.execPath, 'run', resolve(import.meta.dir, '../src/main.ts'), '--help'], { cwd: resolve(import.meta.dir, '..') })
    expect(run.exitCode).toBe(0)
    expect(run.stdout.toString()).toBe(`${USAGE}\n`)
  })

  it('is the README\'s Configuration table: a row per setting, with the same default', () => {
    const readme = readFileSync(resolve(import.meta.dir, '../README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1))
    const table = section.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.replaceAll('\\|', '\u0000').split('|').map((c) => c.trim().replaceAll('\u0000', '|')))
    for (const s of rows) {
      const row = table.find((cells) => names(s).every((n) => cells[1]!.includes(`\`${n}\``)))
      expect(row, `README row for ${names(s).join(' / ')}`).toBeDefined()
      expect(row![2]!.replaceAll('`', '')).toBe(s.shown)
    }
  })

  it('gives the event store, the view model and the webhook retry their defaults', () => {
    expect(DEFAULT_RETENTION).toEqual({ days: SETTINGS.retainDays.default, events: SETTINGS.retainEvents.default })
    expect(DEFAULT_QUIET_MS).toBe(SETTINGS.quietMinutes.default * 60_000)
    expect(DEFAULT_RETRY.firstMs).toBe(SETTINGS.webhookRetryMs.default)
    expect(USAGE).toContain(`doubling up to ${DEFAULT_RETRY.capMs / 60_000} minutes`)
  })
})
