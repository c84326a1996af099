// Writes that meet a busy or failing store: retried asynchronously (the loop stays free), logged once per incident.
import { sleep } from '../client/abortable'
import { logger } from '../telemetry/log'
import { OnceLog } from '../telemetry/once'
import { StorageUnavailable } from '../workspace/workspace'

const log = logger('storage')

/** About two seconds in all before a busy store becomes a 503 with Retry-After. */
const DELAYS_MS = [10, 20, 40, 80, 160, 250, 250, 250, 250, 250, 250, 250]

const incidents = new OnceLog('storage unavailable:', log)

function report(error: StorageUnavailable): void {
  if (!incidents.begins(error.reason)) return
  log.warn(`${error.message}${error.busy ? ' (retrying)' : ''}; further errors like it are not logged until it recovers`, { incident: 'start', reason: error.reason })
}

function recovered(): void {
  for (const reason of incidents.endAll()) log.info(`available again after: ${reason}`, { incident: 'end', reason })
}

/** Run a store operation; while the store is busy, try again a little later (an operation that ran into it changed nothing). */
export async function withStorage<T>(operation: () => T | Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const value = await operation()
      recovered()
      return value
    } catch (error) {
      if (!(error instanceof StorageUnavailable)) throw error
      report(error)
      const delay = DELAYS_MS[attempt]
      if (!error.busy || delay === undefined) throw error
      await sleep(delay)
    }
  }
}
