// POST /name: who answers from this browser, kept in a cookie and stored with each answer (the log, the history, the API).
import { Elysia, t } from 'elysia'
import { routes } from '../../protocol/routes'
import { Name } from '../../protocol/schema'
import { cookieValue, overTls } from '../session'

export const NAME_COOKIE = 'switchboard_name'
const YEAR_S = 365 * 24 * 60 * 60
const NAME = new RegExp(Name.pattern!)

/** The answerer's name from the request's cookie, when it holds a valid one. */
export function nameOf(request: Request): string | undefined {
  const raw = cookieValue(request.headers.get('cookie'), NAME_COOKIE)
  if (raw === undefined) return undefined
  let name: string
  try {
    name = decodeURIComponent(raw).trim()
  } catch {
    return undefined
  }
  return name && name.length <= (Name.maxLength ?? 200) && NAME.test(name) ? name : undefined
}

/** Set-Cookie for a name (cleared when empty). */
export function nameCookie(name: string, request: Request): string {
  const attrs = `Path=/; HttpOnly; SameSite=Strict${overTls(request) ? '; Secure' : ''}`
  return name ? `${NAME_COOKIE}=${encodeURIComponent(name)}; ${attrs}; Max-Age=${YEAR_S}` : `${NAME_COOKIE}=; ${attrs}; Max-Age=0`
}

export function nameRoutes() {
  return new Elysia().post(
    routes.name,
    ({ body, request }) => {
      const name = body.name.trim()
      // A form post from the page: back to it, the cookie set. An empty name forgets it.
      return new Response(null, { status: 303, headers: { location: routes.page, 'set-cookie': nameCookie(name, request) } })
    },
    {
      body: t.Object(
        { name: t.Union([t.Literal(''), Name], { error: `must be at most ${Name.maxLength} characters without control or bidi-override characters` }) },
        { additionalProperties: true },
      ),
    },
  )
}
