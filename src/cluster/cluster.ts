// Several instances on one Redis (REDIS_URL): the shared event log, the question records, who sends each webhook, and what joins them to one instance.
import type { EventStore } from '../events/event-store'
import type { EventBus } from '../events/bus'
import type { QuestionAuthority } from '../questions/authority'
import type { QuestionService } from '../questions/question-service'
import { logger } from '../telemetry/log'
import { RedisLog } from './redis-log'
import { RedisDeliveries } from './redis-deliveries'
import { RedisQuestions } from './redis-questions'
import { ClusterRelay } from './relay'

const log = logger('cluster')

export interface Cluster {
  /** the bus's relay (openDurableBus) */
  relay: ClusterRelay
  /** where the question service's decisions are taken (the records in Redis) */
  authority: QuestionAuthority
  /** which instance sends each webhook delivery (the notifier's `shared`) */
  deliveries: RedisDeliveries
  /** Catch up with the stream (before serving), then follow it; questions asked elsewhere are copied here. */
  join(bus: EventBus, store: EventStore, questions: QuestionService): Promise<void>
  close(): Promise<void>
}

/** Connect to Redis or throw; `maxLen` bounds the stream (XADD MAXLEN ~), `maxQueued` what waits while Redis is away. */
export async function openCluster(url: string, maxLen: number, maxQueued?: number): Promise<Cluster> {
  const redis = await RedisLog.open(url, maxLen)
  const relay = new ClusterRelay(redis, maxQueued)
  return {
    relay,
    authority: new RedisQuestions((command, args) => redis.command(command, args)),
    deliveries: new RedisDeliveries((command, args) => redis.command(command, args)),
    async join(bus, store, questions) {
      // An agent:blocked another instance admitted (or asked) becomes a record here too, at the bus's gate as it is
      // read from the stream (the question service's): the same checks, and the same question twice is no change.
      const read = await relay.catchUp(bus, store)
      if (read) log.info(`caught up with the shared event log: ${read} entries read`)
      // An instance that settled a question and stopped before telling leaves it pending in every copy: told now.
      await questions.sync()
      relay.follow(bus, store)
    },
    async close() {
      await relay.stop()
      redis.close()
    },
  }
}
