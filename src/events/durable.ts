// A bus backed by the event store: what was accepted survives a restart, checkpoints keep start-up short, retention keeps the file bounded.
import { DEFAULTS } from '../protocol/defaults'
import type { Event } from '../protocol/event'
import { EventBus, type Relay } from './bus'
import { EventStore, type EventStoreOptions, type StoredEvent } from './event-store'
import { logger } from '../telemetry/log'
import { storageError } from '../workspace/sqlite'

export interface Retention {
  /** events older than this many days go */
  days: number
  /** at most this many events are kept */
  events: number
}

export const DEFAULT_RETENTION: Retention = { days: DEFAULTS.retainDays, events: DEFAULTS.retainEvents }
/** a checkpoint every this many events (and at shutdown) */
export const CHECKPOINT_EVERY = 5_000
/**
 * ...or every this many events per actor, if more: a checkpoint writes every agent's snapshot, so with
 * 10,000 agents one every 5,000 events would cost more per event than the events themselves. Spacing
 * them with the swarm keeps the cost per event flat, at the price of a longer replay at start-up.
 */
export const CHECKPOINT_EVERY_PER_ACTOR = 2
/** ids remembered for dedupe, across restarts too */
export const DEDUPE_WINDOW = 100_000
const PRUNE_EVERY_MS = 10 * 60 * 1000

// Two slots: start-up restores from the older one, which lags the newest by at least half a
// checkpoint interval, so the newest half to two intervals of events (2,500 to 10,000 for small swarms) are replayed through the actors and the
// inspector shows their recent sequences again. With no older slot yet the whole (short) history is replayed.
const LATEST = 'dashboard'
const PREVIOUS = 'dashboard-previous'

const events = function* (stored: Iterable<StoredEvent>): Generator<Event> {
  for (const s of stored) yield s.event
}

export interface DurableBus {
  bus: EventBus
  store: EventStore
  /** what startDashboard needs to rebuild the actors */
  restore: { checkpoint?: string; events: Iterable<Event>; onBadCheckpoint: () => Iterable<Event> }
  /** begin checkpointing (after each commit, when due) from the dashboard's `checkpoint()` of `actors()` actors, and pruning */
  start(checkpoint: () => string, actors?: () => number): void
  /** commit what is buffered and write a last checkpoint */
  close(): void
}

/** `relay`: the shared log of several instances (REDIS_URL); this file is then this instance's copy of it. */
export function openDurableBus(path: string, retention: Retention = DEFAULT_RETENTION, checkpointEvery = CHECKPOINT_EVERY, relay?: Relay, storeOptions?: EventStoreOptions): DurableBus {
  const store = new EventStore(path, storeOptions)
  const bus = new EventBus({ journal: store, dedupeSize: DEDUPE_WINDOW, relay })
  const previous = store.loadCheckpoint(PREVIOUS)
  bus.restore(store.recentIds(DEDUPE_WINDOW), store.tail(bus.replaySize).map((s) => s.event))
  let checkpoint: (() => string) | undefined
  let interval = () => checkpointEvery
  let lastSeq = store.loadCheckpoint(LATEST)?.seq ?? 0
  let pruner: ReturnType<typeof setInterval> | undefined

  const save = (seq: number) => {
    if (!checkpoint) return
    const latest = store.loadCheckpoint(LATEST)
    if (latest && seq - latest.seq >= interval() / 2) store.saveCheckpoint(PREVIOUS, latest.seq, latest.body)
    store.saveCheckpoint(LATEST, seq, checkpoint())
    lastSeq = seq
  }

  const prune = async () => {
    const upTo = store.loadCheckpoint(PREVIOUS)?.seq ?? 0
    const before = Date.now() - retention.days * 86_400_000
    // One chunk per turn of the loop: requests go on between them.
    while (store.prune({ before, keep: retention.events, upTo }) > 0) await Bun.sleep(0)
  }

  return {
    bus,
    store,
    restore: {
      checkpoint: previous?.body,
      events: events(store.after(previous?.seq ?? 0)),
      onBadCheckpoint: () => events(store.after(0)),
    },
    start(fn, actors = () => 0) {
      checkpoint = fn
      interval = () => Math.max(checkpointEvery, CHECKPOINT_EVERY_PER_ACTOR * actors())
      // At commit time the actors have seen exactly the committed events: a consistent cut.
      store.onCommit = (seq) => seq - lastSeq >= interval() && save(seq)
      const pruneLogged = () => void prune().catch((error) => logger('events').warn(`pruning failed: ${String(error)}`))
      pruner = setInterval(pruneLogged, PRUNE_EVERY_MS)
      pruneLogged()
    },
    close() {
      clearInterval(pruner)
      try {
        store.commit()
        const seq = store.lastSeq()
        if (seq > lastSeq) save(seq)
      } catch (error) {
        // A stop must finish (disk full): start-up replays from the last checkpoint that was written.
        logger('events').warn(`no checkpoint at shutdown: ${String(storageError(error))}`)
      } finally {
        store.close()
      }
    },
  }
}
