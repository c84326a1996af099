// report_status: what an MCP agent says about itself, as the lifecycle events every other agent sends.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { EventBus } from '../events/bus'
import { makeEvent, type Event } from '../protocol/event'
import type { McpAgent } from './mcp-agent'
import { reportStatusShape, type STATUSES } from './tool-schemas'
import { invalidArguments } from './tool-extra'

interface Report {
  status: (typeof STATUSES)[number]
  message?: string
  result?: unknown
  error?: string
}

/** progress shows on the card as the latest step (a tool note named "progress"), completed and failed end the agent. */
function eventOf(agent_id: string, r: Report): Event {
  if (r.status === 'progress') return makeEvent('tool', 'completed', { agent_id, payload: { tool: 'progress', result: r.message ?? 'progress' } })
  if (r.status === 'completed') {
    const payload: Record<string, unknown> = {}
    if (r.message !== undefined) payload.summary = r.message
    if (r.result !== undefined) payload.result = r.result
    return makeEvent('agent', 'completed', { agent_id, payload })
  }
  return makeEvent('agent', 'failed', { agent_id, payload: { error: r.error ?? r.message ?? 'failed' } })
}

export function registerStatusTool(server: McpServer, agent: McpAgent, bus: EventBus): void {
  server.registerTool(
    'report_status',
    {
      title: 'Report status',
      description: 'Tell the Switchboard dashboard what this agent is doing: started, progress (message), completed (message, result) or failed (error).',
      inputSchema: reportStatusShape,
    },
    async (args) => {
      const who = agent.resolve(args)
      // As POST /api/events: a store that cannot take events refuses the report before any of it is taken.
      await bus.writable()
      invalidArguments('report_status', () => {
        if (args.status === 'started') return agent.start(who, args.message)
        agent.ensureStarted(who)
        bus.publish(eventOf(who.agent_id, args))
      })
      // Stored, then shown; a store that fails meanwhile is an error result (not shown, not stored).
      await bus.persisted()
      return { content: [{ type: 'text', text: `Reported ${args.status} for ${who.name} (${who.agent_id}).` }] }
    },
  )
}
