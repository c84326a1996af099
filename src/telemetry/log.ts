// Structured logs (LogTape): one line per notable event, JSON lines or readable text, refusals rate-limited.
import { configureSync, getJsonLinesFormatter, getLogger, getThrottlingFilter, type Logger, type LogRecord } from '@logtape/logtape'

export type LogFormat = 'json' | 'text'

const ROOT = 'switchboard'

/** The parts of the server that log, each under its own category: `switchboard.server`, `switchboard.storage`, … */
export type LogPart =
  | 'server'
  | 'storage'
  | 'sse'
  | 'refused'
  | 'cluster'
  | 'events'
  | 'dashboard'
  | 'workspace'
  | 'inspector'
  | 'mcp'
  | 'webhooks'
  | 'remora'
  | 'questions'
  | 'run-graph'

/** The logger of one part of the server. */
export const logger = (part: LogPart): Logger => getLogger([ROOT, part])

/** At most this many refusal lines per reason and window; the rest are counted in one summary line. */
export const REFUSAL_LINES = 5
export const REFUSAL_WINDOW_MS = 60_000

// Messages are literal text (no placeholders): the facts go in properties, which JSON lines carry
// whole; text lines say them in the message. Control characters could forge a line in text output.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g

const LEVEL: Record<LogRecord['level'], string> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warning: 'WARN', error: 'ERROR', fatal: 'FATAL' }

function textLine(record: LogRecord): string {
  const message = record.message.map(String).join('').replace(CONTROL, ' ')
  return `${new Date(record.timestamp).toISOString()} ${LEVEL[record.level].padEnd(5)} ${record.category.slice(1).join('.')}: ${message}\n`
}

const jsonLine = getJsonLinesFormatter({ properties: 'flatten', message: 'rendered' })

/**
 * Send the server's logs to `write` (stdout by default) as JSON lines or text. Until this is called
 * nothing is logged (LogTape's default), so tests that start servers in-process stay quiet.
 */
export function configureLogs(format: LogFormat, write: (line: string) => void = (line) => void process.stdout.write(line)): void {
  const format_ = format === 'json' ? jsonLine : textLine
  // Summaries go to a logger of their own: through the throttled one they would be throttled too.
  const summaries = getLogger([ROOT, 'refusals'])
  configureSync({
    reset: true,
    sinks: { out: (record) => write(format_(record)) },
    filters: {
      refusals: getThrottlingFilter({
        limit: REFUSAL_LINES,
        windowMs: REFUSAL_WINDOW_MS,
        key: (record) => String(record.properties.reason),
        summary: {
          logger: { warning: (_message, p) => summaries.warn(`${String(p.suppressed)} more refusals (${String(p.key)}) not logged`, { reason: p.key, suppressed: p.suppressed }) },
        },
      }),
    },
    loggers: [
      { category: [ROOT], sinks: ['out'], lowestLevel: 'info' },
      { category: [ROOT, 'refused'], filters: ['refusals'] },
      // LogTape's own notices ("configured") are not ours to print.
      { category: ['logtape', 'meta'], sinks: [], lowestLevel: 'error' },
    ],
  })
}
