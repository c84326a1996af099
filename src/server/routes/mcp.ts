// /mcp: the MCP server's Streamable HTTP endpoint. The security gate has run (token, Host, Origin, JSON-only POST);
// the body is left unread for the gateway, which reads it within its limits and hands it to the SDK parsed:
// Elysia would coerce it to fit a schema.
import { Elysia } from 'elysia'
import type { McpGateway } from '../../mcp/mcp-gateway'
import { routes } from '../../protocol/routes'
import { noteRefusal } from '../refusals'
import { cookieValue, SESSION_COOKIE } from '../session'

interface Server {
  timeout(request: Request, seconds: number): void
  requestIP(request: Request): { address: string } | null
}

/**
 * What the caller presented to pass the auth guard, hashed (the caps key on it; the secret is not kept):
 * the Bearer token, else the sign-in cookie. Unchecked without SWITCHBOARD_TOKEN: the per-address cap still holds.
 */
function credentialOf(request: Request): string {
  const bearer = request.headers.get('authorization')
  const cookie = cookieValue(request.headers.get('cookie'), SESSION_COOKIE)
  const presented = bearer ? `bearer ${bearer}` : cookie ? `cookie ${cookie}` : ''
  return presented && new Bun.CryptoHasher('sha256').update(presented).digest('base64url').slice(0, 22)
}

export function mcpRoutes(mcp: McpGateway) {
  const handle = ({ request, server }: { request: Request; server: Server | null }) =>
    mcp.handle(request, {
      credential: credentialOf(request),
      // In-process requests (app.handle) have no socket: they share one address.
      address: server?.requestIP(request)?.address ?? 'in-process',
      // Bun's idle timeout guards the body like every route's; after it, a call waiting for a person is quiet
      // between progress notifications, and the timeout must not end it.
      bodyRead: () => server?.timeout(request, 0),
      refused: (status, reason) => noteRefusal(request, status, reason),
    })
  return new Elysia()
    .post(routes.mcp, handle, { parse: 'none' })
    .get(routes.mcp, handle)
    .delete(routes.mcp, handle)
}
