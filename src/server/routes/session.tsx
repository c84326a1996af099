// POST /login and /logout: the token typed once into the sign-in form becomes a session cookie.
import { Elysia, t } from 'elysia'
import { routes } from '../../protocol/routes'
import type { PageAssets } from '../../views/head'
import { SignIn } from '../../views/sign-in'
import { Name } from '../../protocol/schema'
import { cookieValue, overTls, SESSION_COOKIE, sameSecret, type Sessions } from '../session'
import { nameCookie } from './name'


export function sessionRoutes(token: string, sessions: Sessions, assets: PageAssets) {
  const signIn = (failed: boolean, status: number) =>
    new Response(String(<SignIn assets={assets} failed={failed} />), { status, headers: { 'content-type': 'text/html; charset=utf-8' } })
  const home = (...cookies: string[]) => {
    const headers = new Headers({ location: routes.page })
    for (const cookie of cookies) headers.append('set-cookie', cookie)
    return new Response(null, { status: 303, headers })
  }

  return new Elysia()
    .post(
      routes.login,
      ({ body, request }) => {
        if (!sameSecret(body.token, token)) return signIn(true, 401)
        // The name typed with the token is who answers from this browser (kept in its own cookie).
        const name = body.name?.trim()
        return home(sessions.cookie(sessions.issue(), overTls(request)), ...(name ? [nameCookie(name, request)] : []))
      },
      // A form post (urlencoded) or JSON; a missing token is the same as a wrong one.
      { body: t.Object({ token: t.String({ maxLength: 1024, error: 'is required' }), name: t.Optional(t.Union([t.Literal(''), Name])) }, { additionalProperties: true }) },
    )
    .post(routes.logout, ({ request }) => {
      sessions.revoke(cookieValue(request.headers.get('cookie'), SESSION_COOKIE))
      return home(sessions.clearCookie(overTls(request)))
    })
    .get(routes.login, () => signIn(false, 200))
}
