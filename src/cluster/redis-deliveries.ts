// Webhook deliveries of several instances: every instance derives the same notices from the same events, and one
// key per delivery id in Redis says which instance sends it (a lease it renews with each attempt) or that it ended.
import { KEY_PREFIX } from './redis-questions'

const DELIVERY_PREFIX = KEY_PREFIX + 'webhook:'
/** an ended delivery is remembered as long as an outbox keeps its finished rows */
const ENDED_TTL_S = 7 * 86_400

// Take the delivery when nobody holds it (or its lease lapsed), renew it when this instance holds it; in one step.
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 'mine'
end
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 'mine'
end
if v == 'delivered' or v == 'failed' then return v end
return 'elsewhere'
`

type Send = (command: string, args: string[]) => Promise<unknown>
type Claim = 'mine' | 'elsewhere' | 'delivered' | 'failed'

export class RedisDeliveries {
  /** this process: a restarted instance is a new holder, its old leases lapse */
  private readonly holder = `instance:${crypto.randomUUID()}`

  constructor(private readonly send: Send) {}

  async claim(deliveryId: string, leaseMs: number): Promise<Claim> {
    const reply = await this.send('EVAL', [CLAIM, '1', DELIVERY_PREFIX + deliveryId, this.holder, String(Math.max(1, Math.round(leaseMs)))])
    return reply === 'mine' || reply === 'delivered' || reply === 'failed' ? reply : 'elsewhere'
  }

  async finish(deliveryId: string, status: 'delivered' | 'failed'): Promise<void> {
    await this.send('SET', [DELIVERY_PREFIX + deliveryId, status, 'EX', String(ENDED_TTL_S)])
  }
}
