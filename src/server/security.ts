// Security at the edge: bearer token on every POST when configured, CSP and friends on every response.
import { Elysia } from 'elysia'
import { timingSafeEqual } from 'node:crypto'

// Datastar evaluates expressions with Function, hence 'unsafe-eval' for scripts; styles allow the
// inline width of the progress bar.
export const CSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = header?.startsWith('Bearer ') ? header.slice(7) : ''
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

export function security(token: string | undefined) {
  return new Elysia()
    .onRequest(({ set }) => {
      set.headers['content-security-policy'] = CSP
      set.headers['x-content-type-options'] = 'nosniff'
      set.headers['referrer-policy'] = 'no-referrer'
    })
    .onBeforeHandle({ as: 'global' }, ({ request, status }) => {
      if (!token || request.method !== 'POST') return
      if (!tokenMatches(request.headers.get('authorization') ?? undefined, token))
        return status(401, { error: 'missing or wrong bearer token (Authorization: Bearer …)' })
    })
}
