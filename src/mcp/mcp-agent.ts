// An MCP session as an agent on the dashboard: its id (stable for the session), its name, and its first agent:started.
import type { EventBus } from '../events/bus'
import { makeEvent } from '../protocol/event'
import { MAX_ID_LENGTH } from '../protocol/limits'

export interface Who {
  agent_id?: string
  name?: string
}

// What the agent:started schema refuses in a name (controls, bidi overrides): a client's name is not ours to trust.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
export const cleanName = (raw: string | undefined) => raw?.replace(UNSAFE, '').trim().slice(0, MAX_ID_LENGTH) || undefined

export class McpAgent {
  /** agents this session has announced: a second agent:started would be refused by a blocked agent */
  private readonly announced = new Set<string>()
  /** calls of this session waiting for a person: a session with one is never closed as idle */
  waiting = 0
  /** when the last waiting call ended: a session's idle time starts there, not at the request that asked */
  lastWaitEnded = 0

  constructor(
    private readonly bus: EventBus,
    private readonly sessionId: () => string | undefined,
    private readonly clientName: () => string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** A call waits for a person; `done` when it stops waiting, however it ended. */
  beginWait(): () => void {
    this.waiting++
    return () => {
      this.waiting--
      this.lastWaitEnded = this.now()
    }
  }

  /** The agent a call speaks for: its own agent_id and name, or the session's. */
  resolve(args: Who): { agent_id: string; name: string } {
    const agent_id = args.agent_id ?? `mcp-${this.sessionId() ?? crypto.randomUUID()}`
    return { agent_id, name: cleanName(args.name) ?? cleanName(this.clientName()) ?? 'MCP client' }
  }

  /** agent:started once per agent and session, so the dashboard shows it by name before its first question. */
  ensureStarted(agent: { agent_id: string; name: string }): void {
    if (this.announced.has(agent.agent_id)) return
    this.start(agent, undefined)
  }

  start(agent: { agent_id: string; name: string }, message: string | undefined): void {
    this.announced.add(agent.agent_id)
    const payload: Record<string, unknown> = { name: agent.name }
    if (message !== undefined) payload.message = message
    this.bus.publish(makeEvent('agent', 'started', { agent_id: agent.agent_id, payload }))
  }
}
