// The question records of several instances, in Redis under the workspace layout: `switchboard:outbox:question:{msg_id}`
// and `switchboard:inbox:response:{msg_id}`. They are the truth; a settle is one Lua script on both keys.
import type { QuestionAuthority, SettleOptions, Truth, Verdict } from '../questions/authority'
import { askInputOf, asRecord, asResponse, questionKey, recordFromInput, responseKey, type QuestionRecord, type Settled } from '../questions/question-record'
import { wireName, type Event } from '../protocol/event'
import { logger } from '../telemetry/log'

const log = logger('cluster')
export const KEY_PREFIX = 'switchboard:'
/** where a new question's record goes, by the append script (redis-log.ts) */
export const QUESTION_KEYS = KEY_PREFIX + questionKey('')
/** a settled question's keys are kept this long (a pending one as long as it is pending) */
const SETTLED_TTL_S = 30 * 86_400
/** every stored record opens with its status: the script checks and rewrites it without re-encoding the rest */
const PENDING = '{"status":"pending",'

// Check and settle in one step (Redis runs a script atomically): the question must be this agent's and pending;
// a person's answer or withdrawal past the deadline settles it as timed out instead; the response and the
// status are written together. Returns {verdict, record, response}.
const SETTLE = `
local rec = redis.call('GET', KEYS[1])
if not rec then
  if ARGV[6] == '' then return {'missing'} end
  rec = ARGV[6]
  redis.call('SET', KEYS[1], rec)
end
local ok, r = pcall(cjson.decode, rec)
if not ok or type(r) ~= 'table' or r.agent_id ~= ARGV[1] then return {'missing'} end
if r.status ~= 'pending' then return {'settled', rec, redis.call('GET', KEYS[2]) or ''} end
if string.sub(rec, 1, #'${PENDING}') ~= '${PENDING}' then return {'missing'} end
local outcome = ARGV[2]
local due = type(r.timeout_s) == 'number' and type(r.created_at) == 'number' and tonumber(ARGV[3]) >= r.created_at + r.timeout_s * 1000
if outcome == 'timeout' then
  if not due then return {'pending', rec, ''} end
elseif due and ARGV[7] == '1' then
  outcome = 'timeout'
end
local by = ''
if outcome == 'cancelled' and ARGV[5] ~= '' then by = '"answered_by":' .. ARGV[5] .. ',' end
local settled = '{"status":"' .. outcome .. '",' .. by .. string.sub(rec, #'${PENDING}' + 1)
redis.call('SET', KEYS[1], settled, 'EX', ARGV[8])
local response = ''
if outcome == 'answered' then
  response = ARGV[4]
  redis.call('SET', KEYS[2], response, 'EX', ARGV[8])
end
return {'won', settled, response}
`

/** A record as stored here: its status first (the script relies on it). */
export function storedRecord(record: QuestionRecord): string {
  const { status, ...rest } = record
  return JSON.stringify({ status, ...rest })
}

/** The record an agent:blocked makes, as [msg_id, stored record], for the append script; ['', ''] for any other event. */
export function recordArgs(e: Event, now: number): [string, string] {
  if (wireName(e) !== 'agent:blocked') return ['', '']
  try {
    const { msgId, record } = recordFromInput(askInputOf(e), now)
    return [msgId, storedRecord(record)]
  } catch (error) {
    // Refused at ingest already; one that gets here is a record another process wrote raw that fits no
    // question we could take (its first settle stores the local copy instead).
    log.warn(`event ${e.id}: its question is not stored in Redis: ${error instanceof Error ? error.message : String(error)}`)
    return ['', '']
  }
}

type Send = (command: string, args: string[]) => Promise<unknown>

function parsed(text: unknown, what: string): unknown {
  if (typeof text !== 'string' || text === '') return undefined
  try {
    return JSON.parse(text)
  } catch (error) {
    log.warn(`${what}: not JSON in Redis, read as absent: ${String(error)}`)
    return undefined
  }
}

export class RedisQuestions implements QuestionAuthority {
  constructor(private readonly send: Send) {}

  async read(msgId: string): Promise<Truth | undefined> {
    const reply = (await this.send('MGET', [QUESTION_KEYS + msgId, KEY_PREFIX + responseKey(msgId)])) as unknown[]
    return this.truth(msgId, reply?.[0], reply?.[1])
  }

  async pending(): Promise<Array<[string, QuestionRecord]>> {
    const found: Array<[string, QuestionRecord]> = []
    let cursor = '0'
    do {
      const [next, keys] = (await this.send('SCAN', [cursor, 'MATCH', `${QUESTION_KEYS}*`, 'COUNT', '1000'])) as [unknown, string[]]
      cursor = String(next)
      const values = keys.length ? ((await this.send('MGET', keys)) as unknown[]) : []
      keys.forEach((key, i) => {
        const record = asRecord(parsed(values[i], key))
        if (record?.status === 'pending') found.push([key.slice(QUESTION_KEYS.length), record])
      })
    } while (cursor !== '0')
    return found
  }

  async settle(msgId: string, agentId: string, outcome: Settled, now: number, { fallback, deadline }: SettleOptions): Promise<Verdict> {
    const response = outcome.kind === 'answered' ? JSON.stringify(outcome.response) : ''
    const by = outcome.kind === 'cancelled' && outcome.by !== undefined ? JSON.stringify(outcome.by) : ''
    const args = [agentId, outcome.kind, String(now), response, by, fallback ? storedRecord(fallback) : '', deadline ? '1' : '0', String(SETTLED_TTL_S)]
    const reply = (await this.send('EVAL', [SETTLE, '2', QUESTION_KEYS + msgId, KEY_PREFIX + responseKey(msgId), ...args])) as unknown[]
    const kind = reply?.[0]
    if (kind !== 'won' && kind !== 'settled' && kind !== 'pending') return { kind: 'missing' }
    const truth = this.truth(msgId, reply[1], reply[2])
    return truth ? { kind, truth } : { kind: 'missing' }
  }

  private truth(msgId: string, record: unknown, response: unknown): Truth | undefined {
    const r = asRecord(parsed(record, questionKey(msgId)))
    if (!r) return undefined
    const answer = r.status === 'answered' ? asResponse(parsed(response, responseKey(msgId)), r.created_at) : undefined
    return answer ? { record: r, response: answer } : { record: r }
  }
}
