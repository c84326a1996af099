// One MCP session's server: the SDK's McpServer with Switchboard's tools, over a Streamable HTTP transport.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js'
import type { EventBus } from '../events/bus'
import type { QuestionService } from '../questions/question-service'
import { registerAskTools } from './ask-tools'
import { McpAgent } from './mcp-agent'
import { registerStatusTool } from './status-tool'

const INSTRUCTIONS =
  'Switchboard shows this session as an agent on a live dashboard. Use ask_human to ask its person a question and wait for the answer, request_permission before a risky action, report_status to say what you are doing.'

export interface SessionHooks {
  /** the session has its id (its initialize was answered) */
  opened(id: string): void
  /** the session ended: DELETE, or its transport closed */
  closed(id: string): void
}

export async function openSession(deps: { questions: QuestionService; bus: EventBus; progressMs: number; now: () => number }, hooks: SessionHooks) {
  const { bus, questions, progressMs } = deps
  const server = new McpServer({ name: 'switchboard', version: '0.1.0' }, { capabilities: { tools: {} }, instructions: INSTRUCTIONS })
  const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: () => crypto.randomUUID(),
    onsessioninitialized: (id) => hooks.opened(id),
    onsessionclosed: (id) => hooks.closed(id),
  })
  transport.onclose = () => {
    if (transport.sessionId !== undefined) hooks.closed(transport.sessionId)
  }
  const agent = new McpAgent(bus, () => transport.sessionId, () => server.server.getClientVersion()?.name, deps.now)
  registerAskTools(server, agent, { questions, bus, progressMs })
  registerStatusTool(server, agent, bus)
  await server.connect(transport)
  return { transport, server, agent }
}
