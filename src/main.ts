// CLI entry only: argv and env → Config, start, signals, exit codes; startSwitchboard does the rest.
import { redisTarget } from './cluster/redis-log'
import { ConfigError, parseConfig, USAGE, type ParseResult } from './config'
import { startSwitchboard, StartupError, STOP_DEADLINE_MS } from './switchboard'
import { configureLogs, logger } from './telemetry/log'

/** A start that cannot go on: one line naming what, exit code 2 (README, Configuration). */
function refuse(error: unknown): never {
  if (!(error instanceof ConfigError || error instanceof StartupError)) throw error
  process.stderr.write(`switchboard: ${error.message}\n`)
  process.exit(2)
}

let parsed: ParseResult
try {
  parsed = parseConfig(Bun.argv.slice(2), process.env)
} catch (error) {
  refuse(error)
}
if (parsed.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}
const { config } = parsed
configureLogs(config.logFormat)
const log = logger('server')
let stopping = false
async function shutdown(signal: string) {
  if (stopping) return
  stopping = true
  log.info(`${signal}: stopping`, { event: 'stopping', signal })
  setTimeout(() => {
    log.error(`still stopping after ${STOP_DEADLINE_MS} ms; exiting`, { event: 'stop', clean: false })
    process.exit(1)
  }, STOP_DEADLINE_MS).unref()
  await (await board).stop()
  log.info('stopped', { event: 'stop', clean: true })
  process.exit(0)
}
// Before "listening" is said: a signal sent on reading it must find its handler (without one, it kills).
const board = startSwitchboard(config).catch(refuse)
process.on('SIGINT', () => void shutdown('SIGINT'))
process.on('SIGTERM', () => void shutdown('SIGTERM'))
const [url, redis] = [`${(await board).url}/`, config.redisUrl ? redisTarget(config.redisUrl) : 'unset']
log.info(`Switchboard listening on ${url}${config.demo ? ' (demo swarm running; --no-demo to turn it off)' : ''}`, { event: 'start', url, db: config.dbPath, redis, token: config.token ? 'set' : 'unset', demo: config.demo })

