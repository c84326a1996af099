// The MCP endpoint: Streamable HTTP sessions, one McpServer (and one dashboard agent) each, bounded in number and idle time.
// Stateful, not stateless: a session is what makes a client one agent on the dashboard (a stable agent_id, the
// name its `initialize` gave), and what lets a long ask_human stream progress on its own request.
import type { EventBus } from '../events/bus'
import type { QuestionService } from '../questions/question-service'
import { logger } from '../telemetry/log'

export interface McpOptions {
  /** how often a waiting ask sends notifications/progress; default 10 s */
  progressMs?: number
  /** open sessions kept at most; past it the least recently used idle one is closed; default 1000 */
  maxSessions?: number
  /** a session unused this long, with no call waiting, is closed; default 24 h */
  idleMs?: number
  now?: () => number
}

type SessionModule = typeof import('./session-server')
type Session = Awaited<ReturnType<SessionModule['openSession']>> & { lastSeen: number }

const rpcError = (status: number, code: number, message: string) =>
  new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }), { status, headers: { 'content-type': 'application/json' } })

export class McpGateway {
  private readonly sessions = new Map<string, Session>()
  private readonly progressMs: number
  private readonly maxSessions: number
  private readonly idleMs: number
  private readonly now: () => number
  /** The SDK (with zod and ajv) loads on the first /mcp request: half a second of every start otherwise. */
  private module?: Promise<SessionModule>

  constructor(private readonly deps: { questions: QuestionService; bus: EventBus }, options: McpOptions = {}) {
    this.progressMs = options.progressMs ?? 10_000
    this.maxSessions = options.maxSessions ?? 1000
    this.idleMs = options.idleMs ?? 24 * 3600_000
    this.now = options.now ?? Date.now
  }

  /** One HTTP request to /mcp (POST, GET or DELETE), the raw Request: the SDK reads and checks the body itself. */
  async handle(request: Request): Promise<Response> {
    // The HTTP request's signal reaches the tools: a client that goes away withdraws what it asked.
    const authInfo = { token: '', clientId: 'switchboard', scopes: [], extra: { signal: request.signal } }
    const id = request.headers.get('mcp-session-id')
    if (id !== null) {
      const session = this.sessions.get(id)
      // 404 tells a client to initialize a new session (after a restart, or once this one was closed).
      if (!session) return rpcError(404, -32001, 'Session not found: initialize a new session')
      session.lastSeen = this.now()
      return session.transport.handleRequest(request, { authInfo })
    }
    if (request.method !== 'POST') return rpcError(400, -32000, 'Bad Request: Mcp-Session-Id header is required')
    if (!this.makeRoom()) return rpcError(503, -32000, 'Too many MCP sessions are waiting for answers; try again later')
    const session = await this.open()
    const response = await session.transport.handleRequest(request, { authInfo })
    // Anything but an initialize (refused by the transport) leaves nothing to keep.
    if (session.transport.sessionId === undefined) await session.server.close()
    return response
  }

  /** Close every session: their waiting calls end, and their cards are withdrawn. */
  async close(): Promise<void> {
    const all = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.all(all.map((s) => s.server.close()))
  }

  private async open(): Promise<Session> {
    const { openSession } = await (this.module ??= import('./session-server'))
    const parts = await openSession(
      { ...this.deps, progressMs: this.progressMs },
      { opened: (id) => void this.sessions.set(id, session), closed: (id) => void this.sessions.delete(id) },
    )
    const session: Session = { ...parts, lastSeen: this.now() }
    return session
  }

  /** Close idle sessions; at the limit, the least recently used one with no call waiting. False when all are waiting. */
  private makeRoom(): boolean {
    const now = this.now()
    for (const s of [...this.sessions.values()]) if (s.agent.waiting === 0 && now - s.lastSeen > this.idleMs) this.drop(s)
    if (this.sessions.size < this.maxSessions) return true
    const idle = [...this.sessions.values()].filter((s) => s.agent.waiting === 0).sort((a, b) => a.lastSeen - b.lastSeen)[0]
    if (!idle) return false
    this.drop(idle)
    return true
  }

  private drop(s: Session): void {
    if (s.transport.sessionId !== undefined) this.sessions.delete(s.transport.sessionId)
    s.server.close().catch((error) => logger('mcp').error(`closing a session: ${error instanceof Error ? error.message : String(error)}`))
  }
}
