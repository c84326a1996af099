// Environment and command-line flags → one typed Config; a bad value is a one-line error naming the setting.

export interface Config {
  port: number
  host: string
  dbPath: string
  token: string | undefined
  demo: boolean
  inspect: 'local' | 'stately'
}

export class ConfigError extends Error {
  name = 'ConfigError'
}

export const USAGE = `Usage: switchboard [--no-demo] [--inspect=stately] [--help]

Environment:
  PORT               port to listen on (default 3000)
  HOST               address to bind (default 127.0.0.1)
  SWITCHBOARD_DB     SQLite workspace file, or :memory: (default ./data/switchboard.db)
  SWITCHBOARD_TOKEN  when set, every POST needs "Authorization: Bearer <token>"
  DEMO               0 turns the simulated swarm off (same as --no-demo)`

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

function parsePort(raw: string): number {
  const port = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT must be an integer from 0 to 65535, got "${raw}"`)
  return port
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
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return { help: true }
    else if (arg === '--no-demo') demo = false
    else if (arg === '--demo') demo = true
    else if (arg === '--inspect=stately') inspect = 'stately'
    else if (arg === '--inspect=local') inspect = 'local'
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
    demo,
    inspect,
  }
  return { help: false, config }
}
