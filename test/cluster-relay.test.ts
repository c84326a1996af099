// The cluster relay's write deadline, on a real redis-server and a clock the test moves: a write Redis does not
// confirm is answered 503 at 2.5 s, not before, and its event still goes out once Redis answers.
import { afterEach, describe, expect, it } from 'bun:test'
import { ClusterRelay, MAX_QUEUED } from '../src/cluster/relay'
import { RedisLog, STREAM_KEY } from '../src/cluster/redis-log'
import { makeEvent } from '../src/protocol/event'
import { StorageUnavailable } from '../src/workspace/workspace'
import { ManualClock } from './support/clock'
import { until } from './support/http'
import { haveRedis, startRedis } from './support/redis'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe.skipIf(!haveRedis)('the cluster relay', () => {
  it('refuses a write Redis does not confirm 2.5 s on, not before, and sends its event once Redis answers', async () => {
    const redis = await startRedis()
    cleanups.push(() => redis.stop())
    const log = await RedisLog.open(redis.url, 1_000)
    cleanups.push(() => log.close())
    const clock = new ManualClock()
    const relay = new ClusterRelay(log, MAX_QUEUED, clock)
    cleanups.push(() => relay.stop())
    const control = new Bun.RedisClient(redis.url)
    cleanups.push(() => control.close())
    // Redis holds every write (the relay's append included) until told otherwise: slow, not gone.
    await control.send('CLIENT', ['PAUSE', '600000', 'WRITE'])
    const event = makeEvent('agent', 'started', { agent_id: 'held' })
    relay.send(event)
    const sent = relay.sent()
    clock.advance(2_499)
    expect(clock.fired).toBe(0)
    clock.advance(1)
    const refused = await sent.then(() => undefined, (error: unknown) => error)
    expect(refused).toBeInstanceOf(StorageUnavailable)
    expect(String(refused)).toContain('did not confirm in time')
    await control.send('CLIENT', ['UNPAUSE'])
    await until('the event in the stream', async () => {
      const entries = (await control.send('XRANGE', [STREAM_KEY, '-', '+'])) as Array<[string, string[]]>
      return entries.some(([, fields]) => fields.some((f) => f.includes(event.id)))
    })
  })
})
