// The MCP endpoint: Streamable HTTP sessions, one McpServer (and one dashboard agent) each, bounded in number and idle time.
// Stateful, not stateless: a session is what makes a client one agent on the dashboard (a stable agent_id, the
// name its `initialize` gave), and what lets a long ask_human stream progress on its own request.
import type { EventBus } from '../events/bus'
import type { QuestionService } from '../questions/question-service'
import { DEFAULTS } from '../protocol/defaults'
import { logger } from '../telemetry/log'
import { readBody } from './request-body'
import { makeRoom, type Caps, type Holder } from './session-room'

export interface McpOptions {
  /** how often a waiting ask sends notifications/progress; default 10 s */
  progressMs?: number
  /** open sessions kept at most in all (defaults: protocol/defaults.ts) */
  maxSessions?: number
  /** …per client (a credential at an address); past it the client's own least recently used idle session closes */
  maxSessionsPerClient?: number
  /** …per address, whatever the credential */
  maxSessionsPerAddress?: number
  /** a session unused this long, with no call waiting, is closed */
  idleMs?: number
  /** a POST's whole body must arrive within this; default 30 s, Bun's idle timeout on every other route */
  bodyMs?: number
  now?: () => number
}

/** Who sends a request, and what the route does for it: the caps key on `client` and `address`. */
export interface McpCaller {
  /** the credential presented (hashed), '' for none */
  credential: string
  address: string
  /** the body is in: from here the request may be quiet for long (a call waiting for a person) */
  bodyRead(): void
  /** a request refused by the gateway itself, for the log */
  refused(status: number, reason: string): void
}

/** The SDK's transport reads at most this much of a body too (Bun's own limit for the server is 2 MiB). */
const MAX_BODY = 1 << 20
/** A refused initialize may try again after this: by then a person may have answered, or an idle session expired. */
const RETRY_AFTER_S = 30

type SessionModule = typeof import('./session-server')
type Parts = Awaited<ReturnType<SessionModule['openSession']>>
type Session = Holder & { parts?: Parts; opening: boolean }

const rpcError = (status: number, code: number, message: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), { status, headers: { 'content-type': 'application/json', ...headers } })

export class McpGateway {
  /** every session held, those whose initialize is still being answered included: they count against the caps */
  private readonly held = new Set<Session>()
  private readonly byId = new Map<string, Session>()
  private readonly progressMs: number
  private readonly caps: Caps
  private readonly idleMs: number
  private readonly bodyMs: number
  private readonly now: () => number
  /** The SDK (with zod and ajv) loads on the first /mcp request: half a second of every start otherwise. */
  private module?: Promise<SessionModule>

  constructor(
    private readonly deps: { questions: QuestionService; bus: EventBus },
    options: McpOptions = {},
  ) {
    this.progressMs = options.progressMs ?? 10_000
    // Each cap at least the narrower one: a client allowed 400 sessions is not held to its address's 250.
    const perClient = options.maxSessionsPerClient ?? DEFAULTS.mcpSessionsPerClient
    const perAddress = Math.max(options.maxSessionsPerAddress ?? DEFAULTS.mcpSessionsPerAddress, perClient)
    this.caps = { perClient, perAddress, total: Math.max(options.maxSessions ?? DEFAULTS.mcpSessions, perAddress) }
    this.idleMs = options.idleMs ?? DEFAULTS.mcpIdleMinutes * 60_000
    this.bodyMs = options.bodyMs ?? 30_000
    this.now = options.now ?? Date.now
  }

  /** One HTTP request to /mcp (POST, GET or DELETE), the raw Request: its body is read here, within the limits, and handed on parsed. */
  async handle(request: Request, caller: McpCaller): Promise<Response> {
    // The HTTP request's signal reaches the tools: a client that goes away withdraws what it asked.
    const authInfo = { token: '', clientId: 'switchboard', scopes: [], extra: { signal: request.signal } }
    const id = request.headers.get('mcp-session-id')
    const session = id === null ? undefined : this.live(id)
    // 404 tells a client to initialize a new session (after a restart, once this one was closed, or expired).
    if (id !== null && !session) return rpcError(404, -32001, 'Session not found: initialize a new session')
    if (!session && request.method !== 'POST') return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required')
    let parsedBody: unknown
    if (request.method === 'POST') {
      const body = await readBody(request, { maxBytes: MAX_BODY, deadlineMs: this.bodyMs })
      if (!body.ok) return this.refuse(caller, body.status, body.code, body.reason, body.headers)
      parsedBody = body.message
    }
    caller.bodyRead()
    if (session) {
      session.lastSeen = this.now()
      return session.parts!.transport.handleRequest(request, { authInfo, parsedBody })
    }
    const fresh = await this.admit(caller)
    if (fresh instanceof Response) return fresh
    try {
      return await fresh.parts!.transport.handleRequest(request, { authInfo, parsedBody })
    } finally {
      fresh.opening = false
      // Anything but an initialize (refused by the transport) leaves nothing to keep.
      if (fresh.parts!.transport.sessionId === undefined) this.drop(fresh)
    }
  }

  /** Close every session: their waiting calls end, and their cards are withdrawn. */
  async close(): Promise<void> {
    const all = [...this.held]
    this.held.clear()
    this.byId.clear()
    await Promise.all(all.map((s) => s.parts?.server.close()))
  }

  /** The session by its id, unless it has been idle too long: then it is closed now. */
  private live(id: string): Session | undefined {
    const session = this.byId.get(id)
    if (session && this.expired(session, this.now())) {
      this.drop(session)
      return undefined
    }
    return session
  }

  private expired(s: Session, now: number): boolean {
    const waiting = s.opening || (s.parts?.agent.waiting ?? 0) > 0
    return !waiting && now - Math.max(s.lastSeen, s.parts?.agent.lastWaitEnded ?? 0) > this.idleMs
  }

  /** A new session for `caller`, once there is room for it: the expired go first, then the caps decide. */
  private async admit(caller: McpCaller): Promise<Session | Response> {
    const now = this.now()
    for (const s of [...this.held]) if (this.expired(s, now)) this.drop(s)
    for (const s of this.held) s.busy = s.opening || (s.parts?.agent.waiting ?? 0) > 0
    const client = `${caller.credential}@${caller.address}`
    const room = makeRoom([...this.held], { client, address: caller.address }, this.caps)
    if (!room.ok) return this.refuse(caller, room.status, -32000, room.reason, { 'retry-after': String(RETRY_AFTER_S) })
    if (room.close) this.drop(room.close)
    // Held before the SDK answers: a burst of initializes in flight counts against the caps too.
    const session: Session = { client, address: caller.address, lastSeen: now, busy: true, opening: true }
    this.held.add(session)
    const { openSession } = await (this.module ??= import('./session-server'))
    session.parts = await openSession(
      { ...this.deps, progressMs: this.progressMs, now: this.now },
      { opened: (id) => void this.byId.set(id, session), closed: (id) => this.forget(session, id) },
    )
    // close() ran while the SDK loaded: the session is not kept.
    if (!this.held.has(session)) {
      await session.parts.server.close()
      return rpcError(503, -32000, 'Switchboard is stopping', { 'retry-after': String(RETRY_AFTER_S) })
    }
    return session
  }

  private refuse(caller: McpCaller, status: number, code: number, reason: string, headers?: Record<string, string>): Response {
    caller.refused(status, reason)
    return rpcError(status, code, reason, headers)
  }

  private forget(s: Session, id: string): void {
    this.held.delete(s)
    if (this.byId.get(id) === s) this.byId.delete(id)
  }

  private drop(s: Session): void {
    this.held.delete(s)
    const id = s.parts?.transport.sessionId
    if (id !== undefined) this.byId.delete(id)
    s.parts?.server.close().catch((error) => logger('mcp').error(`closing a session: ${error instanceof Error ? error.message : String(error)}`))
  }
}
