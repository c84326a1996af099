// Writes that meet a busy or failing store: retried asynchronously (the loop stays free) within one budget, logged once per incident.
import { sleep } from '../client/abortable'
import { logger } from '../telemetry/log'
import { OnceLog } from '../telemetry/once'
import { DatabaseGone, StorageUnavailable } from './workspace'

const log = logger('storage')

/**
 * How long a write waits for a busy store, all its steps together (the check before it is shown, the gate's
 * records, its own transaction), before it is a 503 with Retry-After. The group commit's own BUSY_FOR_MS (1 s)
 * comes after: about 3 s in all, the bound DESIGN.md promises.
 */
export const RETRY_FOR_MS = 2_000
const DELAYS_MS = [10, 20, 40, 80, 160, 250]

const incidents = new OnceLog('storage unavailable:', log)

/** One line when an incident begins (the event store's dropped commits report here too). */
export function reportStorage(error: StorageUnavailable): void {
  // Said once, for good, where it was noticed: a file that is gone does not come back.
  if (error instanceof DatabaseGone || !incidents.begins(error.reason)) return
  log.warn(`${error.message}${error.busy ? ' (retrying)' : ''}; further errors like it are not logged until it recovers`, { incident: 'start', reason: error.reason })
}

/** A write went through (a commit of the event store too): every open incident ends, with one line each. */
export function recovered(): void {
  for (const reason of incidents.endAll()) log.info(`available again after: ${reason}`, { incident: 'end', reason })
}

/**
 * Run a store operation; while the store is busy, try again a little later (an operation that ran into it changed
 * nothing), until RETRY_FOR_MS after `since`: several steps of one write share the budget.
 */
export async function withStorage<T>(operation: () => T | Promise<T>, since = Date.now()): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await operation()
      recovered()
      return value
    } catch (error) {
      if (!(error instanceof StorageUnavailable)) throw error
      reportStorage(error)
      const delay = DELAYS_MS[Math.min(attempt, DELAYS_MS.length - 1)]!
      if (!error.busy || Date.now() - since + delay > RETRY_FOR_MS) throw error
      await sleep(delay)
    }
  }
}
