// connect(): one client per process: its event sender, its agents, graph announcements, close().
import { makeEvent, type Event } from '../protocol/event.ts'
import { Agent, type AgentHost, type AgentOptions } from './agent.ts'
import { ask, type ApprovalOptions, type AskOptions, type FormOptions } from './ask.ts'
import type { BackoffOptions } from './backoff.ts'
import { ClientClosed, type SwitchboardHttpError } from './errors.ts'
import { EventSender } from './event-sender.ts'
import { Transport, type FetchLike } from './transport.ts'

export interface ConnectOptions {
  /** e.g. http://127.0.0.1:3000 */
  url: string
  /** SWITCHBOARD_TOKEN of the server, sent as Authorization: Bearer on every request */
  token?: string
  /** a fetch to use instead of the global one (proxies, tests) */
  fetch?: FetchLike
  /** longest an event waits to be batched; default 50 ms */
  flushMs?: number
  /** events per POST; a full batch is sent at once; default 100 */
  maxBatch?: number
  /** queued events kept while the server is unreachable; beyond, the oldest are dropped; default 10,000 */
  maxBuffer?: number
  /** retry timing for events and questions while the server is down or answers 5xx */
  backoff?: BackoffOptions
  /** a batch the server refused (4xx other than 408/429): it is dropped after this call */
  onError?: (error: SwitchboardHttpError, batch: readonly Event[]) => void
}

/** A planned agent in a graph announcement: the dashboard lists it (idle) before it starts. */
export interface PlannedAgent {
  agent_id: string
  name?: string
  depends_on?: string[]
}

export class SwitchboardClient {
  private readonly transport: Transport
  private readonly sender: EventSender
  private readonly closing = new AbortController()
  private readonly host: AgentHost

  constructor(options: ConnectOptions) {
    this.transport = new Transport(options)
    this.sender = new EventSender(this.transport, {
      flushMs: options.flushMs ?? 50,
      maxBatch: options.maxBatch ?? 100,
      maxBuffer: options.maxBuffer ?? 10_000,
      backoff: options.backoff,
      onError: options.onError ?? ((error, batch) => console.error(`[switchboard] dropped ${batch.length} events: ${error.message}`)),
    })
    const deps = { transport: this.transport, flush: (s?: AbortSignal) => this.sender.flush(s), closed: this.closing.signal, backoff: options.backoff }
    this.host = {
      emit: (event) => this.sender.enqueue(event),
      ask: (agent, question, opts?: AskOptions | ApprovalOptions | FormOptions) => ask(deps, { ...agent, question }, opts),
    }
  }

  /** Events lost so far: buffer overflow while the server was unreachable, or unsent at close(). */
  get dropped(): number {
    return this.sender.dropped
  }

  /** Events the server refused (reported through onError). */
  get rejected(): number {
    return this.sender.rejected
  }

  agent(agent_id: string, options: AgentOptions = {}): Agent {
    return new Agent(agent_id, options, this.host)
  }

  /** Announce a run: graph:started with its agents and their dependencies; returns its end reporters. */
  graph(graph_id: string, agents: PlannedAgent[]) {
    this.emit(makeEvent('graph', 'started', { graph_id, payload: { agents } }))
    return {
      graph_id,
      completed: (summary?: string) => this.emit(makeEvent('graph', 'completed', { graph_id, payload: summary ? { summary } : {} })),
      failed: (error: string) => this.emit(makeEvent('graph', 'failed', { graph_id, payload: { error } })),
    }
  }

  /** Send any event you built yourself (makeEvent from the events module keeps it valid). */
  emit(event: Event): void {
    this.sender.enqueue(event)
  }

  /** Resolves when everything reported so far has reached Switchboard (or was refused). */
  flush(signal?: AbortSignal): Promise<void> {
    return this.sender.flush(signal)
  }

  /** Delivers what is queued (waiting at most timeoutMs), then ends pending ask() calls with ClientClosed. */
  async close(timeoutMs?: number): Promise<void> {
    await this.sender.close(timeoutMs)
    this.closing.abort(new ClientClosed())
  }
}

export function connect(options: ConnectOptions): SwitchboardClient {
  return new SwitchboardClient(options)
}
