// The sign-in page shown instead of the dashboard when a token is set and the browser has no session.
import { Brand, Head, type PageAssets } from './head'
import { routes } from './targets'

export function SignIn({ assets, failed }: { assets: PageAssets; failed: boolean }) {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <Head title="Sign in · Switchboard" assets={assets} />
        <body>
          <main class="sign-in">
            <Brand />
            <form method="post" action={routes.login} class="panel">
              <label for="token">Access token</label>
              <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
              <label for="name">Your name (shown with your answers)</label>
              <input id="name" name="name" type="text" autocomplete="name" maxlength="200" />
              {failed && (
                <p class="error" role="alert">
                  That token is not the one this server was started with.
                </p>
              )}
              <button type="submit" class="submit">
                Sign in
              </button>
              <p class="hint">The value of SWITCHBOARD_TOKEN on the server. You stay signed in for 12 hours.</p>
            </form>
          </main>
        </body>
      </html>
    </>
  )
}

/** Shown in the dashboard's header when sessions are in use. */
export function SignOut() {
  return (
    <form method="post" action={routes.logout} class="sign-out">
      <button type="submit">Sign out</button>
    </form>
  )
}
