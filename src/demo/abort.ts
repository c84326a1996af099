// Abortable waits: every pause in the demo swarm races the stop signal so stopping is immediate.

/** The rejection every abortable wait uses, so callers can tell "stopped" from a real failure. */
export class Aborted extends Error {
  name = 'Aborted'
  constructor() {
    super('demo swarm stopped')
  }
}

export const isAborted = (error: unknown): error is Aborted => error instanceof Aborted

/** Settle like `promise`, or reject with Aborted as soon as `signal` aborts — whichever is first. */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Aborted())
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Aborted())
    signal.addEventListener('abort', onAbort, { once: true })
    // Detach on settle: a demo that runs for days must not pile listeners onto one signal.
    promise.then(
      (value) => (signal.removeEventListener('abort', onAbort), resolve(value)),
      (error) => (signal.removeEventListener('abort', onAbort), reject(error)),
    )
  })
}

/** Resolve after `ms`, or reject with Aborted the moment `signal` aborts (the timer is cleared). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new Aborted())
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => (clearTimeout(timer), reject(new Aborted()))
    const timer = setTimeout(() => (signal.removeEventListener('abort', onAbort), resolve()), Math.max(0, ms))
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
