// /mcp: the MCP server's Streamable HTTP endpoint. The security gate has run (token, Host, Origin, JSON-only POST);
// the body is left unread for the SDK's transport, which parses it itself: Elysia would coerce it to fit a schema.
import { Elysia } from 'elysia'
import type { McpGateway } from '../../mcp/mcp-gateway'
import { routes } from '../../protocol/routes'

export function mcpRoutes(mcp: McpGateway) {
  // A call waiting for a person is quiet between progress notifications: Bun's idle timeout must not end it.
  const handle = ({ request, server }: { request: Request; server: { timeout(r: Request, s: number): void } | null }) => {
    server?.timeout(request, 0)
    return mcp.handle(request)
  }
  return new Elysia()
    .post(routes.mcp, handle, { parse: 'none' })
    .get(routes.mcp, handle)
    .delete(routes.mcp, handle)
}
