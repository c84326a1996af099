// Callers waiting for a question to leave pending: SDK long-polls, SSE status streams, the demo swarm.
import type { EventBus } from '../events/bus'
import type { QuestionStatus } from '../protocol/question'
import { NotFound } from './errors'
import { metrics } from '../telemetry/metrics'

interface Watcher {
  check(): void
  cancel(reason: unknown): void
  /** answer now with the current status (a long-poll), or cancel (a wait for the answer itself) */
  release(reason: unknown): void
}

export class Waiters {
  private readonly pending = new Set<Watcher>()

  constructor(private readonly bus: EventBus, private readonly status: (msgId: string) => QuestionStatus | undefined) {}

  /** Re-check every waiter: after a write, or a poll that saw other processes' writes. */
  checkAll(): void {
    for (const w of [...this.pending]) w.check()
  }

  cancelAll(reason: unknown): void {
    for (const w of [...this.pending]) w.cancel(reason)
  }

  /** Shutting down: long-polls get the status as it is now, waits for an answer end with `reason`. */
  releaseAll(reason: unknown): void {
    for (const w of [...this.pending]) w.release(reason)
  }

  /**
   * Resolves with the status once msg_id leaves pending (or after timeoutMs); NotFound if unknown, unless
   * `absentIsPending` (several instances: a question asked elsewhere may not have reached this copy yet).
   */
  wait(msgId: string, signal?: AbortSignal, timeoutMs?: number): Promise<QuestionStatus>
  wait(msgId: string, signal: AbortSignal | undefined, timeoutMs: number, absentIsPending: true): Promise<QuestionStatus | undefined>
  wait(msgId: string, signal?: AbortSignal, timeoutMs?: number, absentIsPending = false): Promise<QuestionStatus | undefined> {
    return new Promise<QuestionStatus | undefined>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const cleanups: Array<() => void> = []
      let done = false
      const finish = (fn: () => void) => {
        if (done) return
        done = true
        for (const cleanup of cleanups) cleanup()
        fn()
      }
      const settleIf = (ready: (s: QuestionStatus) => boolean) => {
        try {
          const s = this.status(msgId)
          if (!s) {
            if (!absentIsPending) finish(() => reject(new NotFound(`no question ${msgId}`)))
            else if (ready({ status: 'pending' } as QuestionStatus)) finish(() => resolve(undefined))
          } else if (ready(s)) finish(() => resolve(s))
        } catch (error) {
          finish(() => reject(error))
        }
      }
      const cancel = (r: unknown) => finish(() => reject(r))
      const watcher: Watcher = {
        check: () => settleIf((s) => s.status !== 'pending'),
        cancel,
        release: (r) => (timeoutMs === undefined ? cancel(r) : settleIf(() => true)),
      }
      this.pending.add(watcher)
      metrics.questionWaiters.inc()
      cleanups.push(() => {
        this.pending.delete(watcher)
        metrics.questionWaiters.dec()
      })
      cleanups.push(this.bus.listen((e) => e.action === 'resumed' && e.payload.msg_id === msgId && watcher.check()))
      if (signal) {
        const onAbort = () => finish(() => reject(signal.reason))
        signal.addEventListener('abort', onAbort, { once: true })
        cleanups.push(() => signal.removeEventListener('abort', onAbort))
      }
      if (timeoutMs !== undefined) {
        const timer = setTimeout(() => settleIf(() => true), timeoutMs)
        cleanups.push(() => clearTimeout(timer))
      }
      watcher.check()
    })
  }
}
