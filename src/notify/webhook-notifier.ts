// Webhooks: notices derived from the stored events (by seq, so one accepted just before a crash is not lost),
// kept in the outbox and POSTed with bounded concurrency per receiver, retried with backoff per receiver, never in ingest's way.
import type { EventBus } from '../events/bus'
import type { EventStore } from '../events/event-store'
import { wireName } from '../protocol/event'
import { attempt, type AttemptResult } from './attempt'
import { NOTICE_KINDS, noticeOf } from './notice'
import { Outbox, type Delivery, type DeliveryStatus, type NewDelivery } from './outbox'
import { Receivers, type ReceiverState } from './receivers'
import { DEFAULT_RETRY, SYSTEM_CLOCK, verdict, type RetryClock, type RetryPolicy } from './retry'
import { logger } from '../telemetry/log'

export interface WebhookOptions {
  /** the event store's file: the outbox table lives beside the events */
  dbPath: string
  store: EventStore
  urls: readonly string[]
  secret?: string
  /** the page's URL (SWITCHBOARD_PUBLIC_URL, else the address we listen on): links in notices start with it */
  baseUrl: string
  retry?: Partial<RetryPolicy>
  /** POSTs in flight at once, over all URLs */
  concurrency?: number
  /** POSTs in flight at once to one URL: a receiver that hangs holds these, no one else's */
  perReceiver?: number
  /** each POST is abandoned (and retried) after this long, on `clock` */
  timeoutMs?: number
  /** how often the events and the outbox are looked at besides the bus's nudges */
  pollMs?: number
  log?: (line: string) => void
  /** several instances (REDIS_URL): each notice is sent by one of them */
  shared?: SharedDeliveries
  /** several instances: how long a delivery stays with the instance sending it (renewed with each attempt) */
  leaseMs?: number
  /** when rows fall due and the poll comes round; default the system's */
  clock?: RetryClock
}

/** Who sends a delivery when several instances derive the same notices from the same events. */
export interface SharedDeliveries {
  /**
   * Take (or keep) the delivery for `leaseMs`: `mine` send it now; `elsewhere` another instance is sending it;
   * `delivered` or `failed` another instance finished it.
   */
  claim(deliveryId: string, leaseMs: number): Promise<'mine' | 'elsewhere' | 'delivered' | 'failed'>
  finish(deliveryId: string, status: 'delivered' | 'failed'): Promise<void>
}

const KINDS = new Set<string>(NOTICE_KINDS)
const PAGE = 500
/** finished rows are kept this long for a look at what was sent */
const KEEP_DONE_MS = 7 * 86_400_000
/** several instances: a delivery stays with the instance sending it this long past one attempt's timeout */
const LEASE_SLACK_MS = 60_000
/** 2 per receiver: one slow answer does not stall its queue, and a hanging one ties up 2 sockets, not the pool */
const PER_RECEIVER = 2
/** 64 in all: 32 receivers before they take turns (a bound on sockets, not a share anyone can exhaust for others) */
const TOTAL = 64

/** A header value from any id: ids may hold any printable character, headers only ASCII. */
const headerSafe = (s: string) => s.replace(/[^\x21-\x7e]|%/gu, (c) => encodeURIComponent(c))

export class WebhookNotifier {
  readonly outbox: Outbox
  private readonly o: Required<Omit<WebhookOptions, 'secret' | 'retry' | 'shared' | 'leaseMs' | 'clock'>> & Pick<WebhookOptions, 'secret' | 'shared'>
  private readonly leaseMs: number
  private readonly retry: RetryPolicy
  private readonly clock: RetryClock
  private readonly receivers: Receivers
  private readonly inflight = new Map<string, Promise<void>>()
  private readonly stopping = new AbortController()
  private timer: unknown
  private unlisten: (() => void) | undefined
  private nudged = false
  private lastPrune = 0

  constructor(options: WebhookOptions) {
    this.o = { concurrency: TOTAL, perReceiver: PER_RECEIVER, timeoutMs: 10_000, pollMs: 1_000, log: (l) => logger('webhooks').warn(l), ...options }
    this.retry = { ...DEFAULT_RETRY, ...options.retry }
    this.clock = options.clock ?? SYSTEM_CLOCK
    // The lease outlives one attempt: the owner renews it with each, and another instance takes over once it lapses.
    this.leaseMs = options.leaseMs ?? this.o.timeoutMs + LEASE_SLACK_MS
    this.receivers = new Receivers([...new Set(options.urls)], this.o.perReceiver, this.o.concurrency)
    this.outbox = new Outbox(options.dbPath)
    // The first start with webhooks begins at the present: history is not announced.
    if (this.outbox.cursor() === undefined) this.outbox.enqueue([], this.o.store.lastSeq(), this.clock.now())
    this.outbox.abandonOthers([...this.o.urls], this.clock.now())
  }

  /** A receiver's slots in use and its backoff, as this instance sees them. */
  receiver(url: string): ReceiverState | undefined {
    return this.receivers.state(url)
  }

  /** Deliver what is pending and follow the bus: each event that may be a notice brings a look once it is stored. */
  start(bus: EventBus): void {
    this.unlisten = bus.listen((e) => {
      if (!KINDS.has(wireName(e)) || this.nudged) return
      this.nudged = true
      void bus.persisted().then(
        () => this.tick(),
        () => this.tick(),
      )
    })
    this.tick()
  }

  /** Abandon the POSTs in flight (they stay pending, their attempt uncounted) and close the outbox. */
  async stop(): Promise<void> {
    if (this.stopping.signal.aborted) return
    this.stopping.abort()
    this.clock.clearTimeout(this.timer)
    this.unlisten?.()
    await Promise.allSettled(this.inflight.values())
    this.outbox.close()
  }

  /** Turn new events into rows, start what is due, and sleep until the next row falls due (or the poll). */
  private tick(): void {
    this.nudged = false
    if (this.stopping.signal.aborted) return
    this.clock.clearTimeout(this.timer)
    const now = this.clock.now()
    let next: number | undefined
    try {
      this.collect(now)
      this.pump(now)
      this.housekeep(now)
      next = this.nextWake(now)
    } catch (error) {
      // A busy or failing file: everything stays where it is until the next look.
      this.o.log(`[webhooks] outbox unavailable, trying again: ${String(error)}`)
    }
    this.timer = this.clock.setTimeout(() => this.tick(), next === undefined ? this.o.pollMs : Math.min(this.o.pollMs, next - now))
  }

  /**
   * The soonest a receiver's backoff ends or its next row falls due. A row still due after pump() is in flight or
   * waits for a slot: the end of a send ticks again, so it needs no wake-up (waiting 0 for it spun ~700 ticks a
   * second while a slow receiver held a POST open).
   */
  private nextWake(now: number): number | undefined {
    let soonest: number | undefined
    for (const url of this.receivers.urls()) {
      const due = this.outbox.nextDueFor(url)
      if (due === undefined) continue
      const at = Math.max(due, this.receivers.heldUntil(url, now) ?? due)
      if (at > now && (soonest === undefined || at < soonest)) soonest = at
    }
    return soonest
  }

  /** Hourly: finished rows past a week go; pending ones past the retry's age are given up, tried or not. */
  private housekeep(now: number): void {
    if (now - this.lastPrune <= 3_600_000) return
    this.lastPrune = now
    this.outbox.prune(now - KEEP_DONE_MS)
    const age = this.retry.maxAgeMs >= 3_600_000 ? `${Math.round(this.retry.maxAgeMs / 3_600_000)} h` : `${Math.round(this.retry.maxAgeMs / 60_000)} min`
    const given = this.outbox.giveUpOlder(now - this.retry.maxAgeMs, [...this.inflight.keys()], now, `gave up: undelivered after ${age}`)
    if (given) this.o.log(`[webhooks] gave up ${given} notice(s) undelivered after ${age} (their receivers kept failing)`)
  }

  /** Events stored since the cursor → outbox rows, the cursor moved with them in the same transaction. */
  private collect(now: number): void {
    const { store, urls, baseUrl } = this.o
    const upTo = store.lastSeq()
    for (let from = this.outbox.cursor() ?? upTo; from < upTo; ) {
      const found = store.query({ kinds: NOTICE_KINDS, after: from, before: upTo + 1, limit: PAGE, order: 'asc' })
      const last = found.length === PAGE ? found.at(-1)!.seq : upTo
      const rows: NewDelivery[] = []
      for (const stored of found) {
        // Older than a notice may wait (webhooks turned on again after a long pause): not sent.
        if (now - stored.event.timestamp > this.retry.maxAgeMs) continue
        const notice = noticeOf(store, stored, baseUrl)
        if (!notice) continue
        const body = JSON.stringify(notice)
        urls.forEach((url, i) => rows.push({ delivery_id: `${headerSafe(notice.event_id)}:${i}`, seq: stored.seq, url, event: notice.event, body }))
      }
      this.outbox.enqueue(rows, last, now)
      from = last
    }
  }

  /** Start what each receiver has due, up to its own free slots; one in its backoff starts nothing. */
  private pump(now: number): void {
    for (const url of this.receivers.rotation()) {
      const room = this.receivers.room(url, now)
      if (room <= 0) continue
      const due = this.outbox.dueFor(url, now, room + this.receivers.inflightOf(url)).filter((d) => !this.inflight.has(d.delivery_id))
      for (const d of due.slice(0, room)) this.launch(d, now)
    }
  }

  private launch(d: Delivery, now: number): void {
    this.receivers.started(d.url, d.delivery_id)
    const sent = this.send(d, now)
      .catch((error) => this.o.log(`[webhooks] recording delivery ${d.delivery_id} failed: ${String(error)}`))
      .finally(() => {
        this.inflight.delete(d.delivery_id)
        this.receivers.ended(d.url, d.delivery_id)
        if (!this.stopping.signal.aborted) this.tick()
      })
    this.inflight.set(d.delivery_id, sent)
  }

  /** Several instances: whether this one sends `d` now; otherwise its row records why not. */
  private async ourTurn(d: Delivery, shared: SharedDeliveries): Promise<boolean> {
    let claim: Awaited<ReturnType<SharedDeliveries['claim']>>
    try {
      claim = await shared.claim(d.delivery_id, this.leaseMs)
    } catch (error) {
      claim = 'elsewhere'
      this.o.log(`[webhooks] cannot tell whether another instance sends ${d.delivery_id}, later: ${String(error)}`)
    }
    if (claim === 'mine') return true
    const now = this.clock.now()
    if (claim === 'elsewhere') this.outbox.attempted(d.delivery_id, { attempts: d.attempts, status: 'pending', error: 'sent by another instance', nextAt: now + this.o.pollMs * 5, now })
    else this.outbox.attempted(d.delivery_id, { attempts: d.attempts, status: claim, error: `${claim} by another instance`, now })
    return false
  }

  private async send(d: Delivery, startedAt: number): Promise<void> {
    const attempts = d.attempts + 1
    const index = this.o.urls.indexOf(d.url)
    const shared = this.o.shared
    if (shared && !(await this.ourTurn(d, shared))) return
    const result = await attempt(d, { attempt: attempts, secret: this.o.secret, timeoutMs: this.o.timeoutMs, clock: this.clock, stopping: this.stopping.signal })
    if ('stopped' in result) return
    const ended = this.record(d, index, attempts, startedAt, result)
    if (shared && ended !== 'pending') await shared.finish(d.delivery_id, ended).catch((e) => this.o.log(`[webhooks] cannot tell the other instances ${d.delivery_id} ended (it may be sent again): ${String(e)}`))
  }

  private record(d: Delivery, index: number, attempts: number, startedAt: number, result: Exclude<AttemptResult, { stopped: true }>): DeliveryStatus {
    const now = this.clock.now()
    const where = `webhook #${index + 1} (${URL.parse(d.url)?.host ?? '?'})`
    const status = 'status' in result ? result.status : undefined
    const outcome = status === undefined ? 'retry' : verdict(status)
    const reason = 'error' in result ? result.error : `HTTP ${status}`
    if (outcome === 'delivered') {
      if (this.receivers.succeeded(d.url)) this.o.log(`[webhooks] ${where} is taking deliveries again`)
      this.outbox.attempted(d.delivery_id, { attempts, status: 'delivered', httpStatus: status, now })
      return 'delivered'
    }
    // The receiver backs off, all its notices with it; a Retry-After longer than the backoff (bounded when read) gets its way.
    const hold = outcome === 'retry' ? this.receivers.failed(d.url, startedAt, now, this.retry, 'after' in result ? result.after : undefined) : undefined
    if (hold?.first) this.o.log(`[webhooks] ${where} failed (${reason}); retrying with backoff`)
    const tooMany = attempts >= this.retry.maxAttempts || now - d.created_at >= this.retry.maxAgeMs
    if (!hold || tooMany) {
      const why = outcome === 'final' ? reason : `gave up after ${attempts} attempts: ${reason}`
      this.o.log(`[webhooks] ${d.event} ${d.delivery_id} to ${where} failed for good: ${why}`)
      this.outbox.attempted(d.delivery_id, { attempts, status: 'failed', httpStatus: status, error: why, now })
      return 'failed'
    }
    this.outbox.attempted(d.delivery_id, { attempts, status: 'pending', httpStatus: status, error: reason, nextAt: hold.until, now })
    return 'pending'
  }
}
