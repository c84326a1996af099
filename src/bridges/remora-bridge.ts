// A running `remora serve`, followed: its GET /events SSE onto the bus and the question service, answers back to its POST /input.
import { createParser } from 'eventsource-parser'
import type { EventBus } from '../events/bus'
import { wireName, type Event } from '../protocol/event'
import { AlreadyAnswered } from '../questions/errors'
import { logger } from '../telemetry/log'
import { OnceLog } from '../telemetry/once'
import type { QuestionService } from '../questions/question-service'
import { mapRemoraEvent, msgIdOf, requestIdOf, type RemoraQuestion } from './remora-events'

export interface RemoraBridgeOptions {
  /** remora serve's base URL, e.g. http://127.0.0.1:8420 */
  url: string
  bus: EventBus
  questions: QuestionService
  /** the first reconnect delay; each next one doubles up to maxDelayMs */
  retryMs?: number
  maxDelayMs?: number
  /** where its lines go; default: the log, as `switchboard.remora` */
  log?: (line: string) => void
}

/** who a question answered in Remora itself (its CLI, another client) is recorded as answered by */
export const ANSWERED_IN_REMORA = 'Remora'
/** one SSE event at most: a stream that sends a longer line is cut and reconnected */
const MAX_EVENT_BYTES = 1 << 20

export class RemoraBridge {
  private readonly base: string
  private readonly abort = new AbortController()
  private readonly skipped: OnceLog
  private readonly log: (line: string) => void
  /** answers not yet taken by Remora (it was down): sent again after each reconnect */
  private readonly unsent = new Map<string, string>()
  private unlisten?: () => void
  private running?: Promise<void>
  private connected = false
  private sending: Promise<void> = Promise.resolve()

  constructor(private readonly options: RemoraBridgeOptions) {
    this.base = options.url.replace(/\/+$/, '')
    this.log = options.log ?? ((line) => logger('remora').warn(line))
    this.skipped = new OnceLog('skipping', logger('remora'))
  }

  start(): void {
    this.unlisten = this.options.bus.listen((e) => this.onEvent(e))
    this.running = this.follow()
  }

  async stop(): Promise<void> {
    this.abort.abort()
    this.unlisten?.()
    await this.running
  }

  /** Reconnect forever with capped exponential backoff; a connection that delivered anything resets it. */
  private async follow(): Promise<void> {
    const first = this.options.retryMs ?? 500
    let delay = first
    while (!this.abort.signal.aborted) {
      let reason = 'the stream ended'
      try {
        await this.stream()
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error)
      }
      if (this.abort.signal.aborted) return
      // A connection that opened resets the backoff; a server that keeps refusing is asked less and less often.
      if (this.connected) {
        this.log(`lost ${this.base}/events (${reason}); reconnecting`)
        delay = first
      }
      this.connected = false
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay)
        this.abort.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true })
      })
      delay = Math.min(delay * 2, this.options.maxDelayMs ?? 10_000)
    }
  }

  /** One connection: resolves when it ends. */
  private async stream(): Promise<void> {
    const res = await fetch(`${this.base}/events`, { headers: { accept: 'text/event-stream' }, signal: this.abort.signal })
    if (!res.ok || !res.body) throw new Error(`GET /events answered ${res.status}`)
    this.connected = true
    this.log(`following ${this.base}/events`)
    void this.resend()
    let tooLong = false
    const parser = createParser({
      maxBufferSize: MAX_EVENT_BYTES,
      onEvent: (message) => this.take(message.data),
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') tooLong = true
      },
    })
    const decoder = new TextDecoder()
    const reader = res.body.getReader()
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        parser.feed(decoder.decode(r.value, { stream: true }))
        if (tooLong) throw new Error(`an event over ${MAX_EVENT_BYTES} bytes`)
      }
    } finally {
      void reader.cancel().catch(() => undefined)
    }
  }

  private take(data: string): void {
    const mapped = mapRemoraEvent(data)
    try {
      if ('event' in mapped) this.options.bus.publish(mapped.event)
      else if ('question' in mapped) this.ask(mapped.question)
      else if ('answered' in mapped) this.answeredInRemora(mapped.answered.request_id, mapped.answered.response)
      else if ('skip' in mapped) this.skipped.report('event', mapped.skip)
    } catch (error) {
      this.skipped.report(`event ${data.slice(0, 80)}`, error)
    }
  }

  /** The same request again (a reconnect, a replay) is the same msg_id and content: no second card. */
  private ask(q: RemoraQuestion): void {
    this.options.questions.ask({ agent_id: q.agent_id, msg_id: msgIdOf(q.request_id), graph_id: q.graph_id, question: q.question, options: q.options })
  }

  /** Answered in Remora itself: the card goes, and nothing is sent back. */
  private answeredInRemora(requestId: string, response: string): void {
    const msgId = msgIdOf(requestId)
    const status = this.options.questions.status(msgId)
    if (status?.status !== 'pending') return
    const answer = response || '(answered in Remora)'
    // Decided like any answer: with several instances, another one following Remora may get there first.
    this.options.questions
      .respond(status.agent_id, msgId, answer, ANSWERED_IN_REMORA)
      .catch((error) => error instanceof AlreadyAnswered || this.skipped.report(`answer ${msgId}`, error))
  }

  /** A person answered one of Remora's questions here: POST /input. */
  private onEvent(e: Event): void {
    if (wireName(e) !== 'agent:resumed' || typeof e.payload.msg_id !== 'string') return
    const requestId = requestIdOf(e.payload.msg_id)
    if (requestId === undefined || e.payload.answer === undefined || e.payload.answered_by === ANSWERED_IN_REMORA) return
    const answer = e.payload.answer
    this.unsent.set(requestId, typeof answer === 'string' ? answer : JSON.stringify(answer))
    void this.resend()
  }

  /** One send at a time: an answer is never POSTed twice concurrently. */
  private resend(): Promise<void> {
    this.sending = this.sending.then(() => this.sendAll())
    return this.sending
  }

  private async sendAll(): Promise<void> {
    for (const [request_id, response] of [...this.unsent]) {
      try {
        const res = await fetch(`${this.base}/input`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ request_id, response }),
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(10_000)]),
        })
        // 400: Remora no longer knows the request (answered elsewhere, restarted): nothing to retry.
        if (res.ok || (res.status >= 400 && res.status < 500)) this.unsent.delete(request_id)
        if (!res.ok) this.log(`POST /input for ${request_id.slice(0, 80)} answered ${res.status}${res.status < 500 ? '' : '; retried after the next reconnect'}`)
      } catch (error) {
        if (!this.abort.signal.aborted) this.log(`POST /input for ${request_id.slice(0, 80)} failed (${String(error)}); retried after the next reconnect`)
      }
    }
  }
}
