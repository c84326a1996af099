// The shared event log of several instances: one Redis Stream (Bun's Redis client), appends deduped by event id;
// an agent:blocked stores its question's record in the same step.
import { RedisClient } from 'bun'
import type { Event } from '../protocol/event'
import { StorageUnavailable } from '../workspace/workspace'
import { KEY_PREFIX, QUESTION_KEYS, recordArgs } from './redis-questions'

export const STREAM_KEY = KEY_PREFIX + 'events'
const SEEN_PREFIX = KEY_PREFIX + 'seen:'
/**
 * How long an event id keeps a repeat out of the stream. It only has to cover two instances taking the same
 * id before either has applied it: past that, each instance's own copy refuses the repeat (EventBus.isSeen
 * asks its store before relaying). An hour, because one key per event for a week grew Redis by gigabytes
 * at a few hundred events a second.
 */
const SEEN_TTL_S = 3_600
/** a command waits at most this long for Redis before the write is a 503 */
const COMMAND_MS = 2_000

// Check-and-append in one script: Redis runs it atomically, so two instances taking the same event id at
// once add it once. A new agent:blocked stores its question's record (if the msg_id has none) in the same
// step, so the record is the one of the first agent:blocked for that msg_id in the stream, on every instance.
// Returns the stream's last id, which covers any copy another instance added first.
const APPEND = `
for i = 3, #ARGV, 4 do
  if redis.call('SET', ARGV[1] .. ARGV[i], '1', 'NX', 'EX', ARGV[2]) then
    if ARGV[i + 2] ~= '' then redis.call('SET', KEYS[3] .. ARGV[i + 2], ARGV[i + 3], 'NX') end
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', KEYS[2], '*', 'e', ARGV[i + 1])
  end
end
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
return last[1] and last[1][1] or '0-0'
`

export interface Entry {
  /** the stream id, `ms-seq` */
  id: string
  /** the event's JSON as appended (parsed and checked by the reader) */
  body: unknown
}

/** Stream ids in order: `ms-seq`, compared as two numbers. */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number)
  const [bm = 0, bs = 0] = b.split('-').map(Number)
  return am - bm || as - bs
}

/** Where the URL points, without its password: for messages. */
export const redisTarget = (url: string) => URL.parse(url)?.host || 'the REDIS_URL'

const unavailable = (error: unknown) =>
  error instanceof StorageUnavailable ? error : new StorageUnavailable(`redis: ${error instanceof Error ? error.message : String(error)}`, false, error)

async function timed<T>(work: Promise<T>, ms = COMMAND_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StorageUnavailable('redis: no reply in time', false)), ms)))
  try {
    return await Promise.race([work, late])
  } catch (error) {
    throw unavailable(error)
  } finally {
    clearTimeout(timer)
  }
}

export class RedisLog {
  private constructor(
    /** appends and the question records */
    private readonly writer: RedisClient,
    /** its own connection: XREAD BLOCK holds it */
    private readonly reader: RedisClient,
    private readonly maxLen: number,
  ) {}

  /** Connect both clients, or throw (Redis down at start is a one-line exit in main). */
  static async open(url: string, maxLen: number): Promise<RedisLog> {
    // A refused connection fails at once only without auto-reconnect: the start asks with a client of its own first.
    // Generous: on a loaded machine the handshake alone can take seconds.
    const probe = new RedisClient(url, { connectionTimeout: 5_000, autoReconnect: false })
    try {
      await timed(probe.connect().then(() => probe.send('PING', [])), 6_000)
    } finally {
      probe.close()
    }
    // No offline queue on either: while disconnected a command fails at once (a prompt 503, a read retried)
    // instead of piling up to run late, after the reconnect, ahead of the ones that matter.
    const options = { connectionTimeout: 10_000, maxRetries: 4_294_967_295, enableOfflineQueue: false }
    const writer = new RedisClient(url, options)
    const reader = new RedisClient(url, options)
    try {
      await timed(Promise.all([writer.connect(), reader.connect()]), 10_000)
      await timed(writer.send('PING', []), 10_000)
    } catch (error) {
      writer.close()
      reader.close()
      throw error
    }
    return new RedisLog(writer, reader, maxLen)
  }

  /** Append events not appended before (by id); resolves to the stream's last id after them. */
  async append(events: readonly Event[]): Promise<string> {
    const now = Date.now()
    const args = events.flatMap((e) => [e.id, JSON.stringify(e), ...recordArgs(e, now)])
    return String(await this.command('EVAL', [APPEND, '3', STREAM_KEY, String(this.maxLen), QUESTION_KEYS, SEEN_PREFIX, String(SEEN_TTL_S), ...args]))
  }

  /** One command on the writing connection: a StorageUnavailable (503) when Redis does not answer in time. */
  command(name: string, args: string[]): Promise<unknown> {
    return timed(this.writer.send(name, args))
  }

  /** Entries after `after`, oldest first; waits up to `blockMs` for one when there are none (0: no wait). */
  async read(after: string, count: number, blockMs: number): Promise<Entry[]> {
    const block = blockMs > 0 ? ['BLOCK', String(blockMs)] : []
    const reply = await timed(this.reader.send('XREAD', ['COUNT', String(count), ...block, 'STREAMS', STREAM_KEY, after]), blockMs + COMMAND_MS)
    return entriesOf(reply)
  }

  /** The oldest id still in the stream (older ones were trimmed), or undefined when it is empty. */
  async first(): Promise<string | undefined> {
    const reply = (await timed(this.writer.send('XRANGE', [STREAM_KEY, '-', '+', 'COUNT', '1']))) as unknown
    return Array.isArray(reply) && Array.isArray(reply[0]) ? String(reply[0][0]) : undefined
  }

  close(): void {
    this.writer.close()
    this.reader.close()
  }
}

/** XREAD's reply (RESP3: `{stream: [[id, [field, value, …]], …]}`, or null), whatever its shape, as entries. */
function entriesOf(reply: unknown): Entry[] {
  if (!reply || typeof reply !== 'object') return []
  const rows = Array.isArray(reply) ? (reply[0] as unknown[] | undefined)?.[1] : (reply as Record<string, unknown>)[STREAM_KEY]
  if (!Array.isArray(rows)) return []
  return rows.flatMap((row): Entry[] => {
    if (!Array.isArray(row) || typeof row[0] !== 'string') return []
    const fields = Array.isArray(row[1]) ? (row[1] as unknown[]) : []
    const at = fields.indexOf('e')
    return [{ id: row[0], body: at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined }]
  })
}
