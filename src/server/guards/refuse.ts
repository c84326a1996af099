// What every guard answers with: the security headers, a JSON `{error}` body, and the reason kept for the log line.
// Datastar evaluates expressions with Function, hence 'unsafe-eval' for scripts; styles allow the
// inline width of the progress bar.
export const CSP = "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

export const SECURITY_HEADERS = {
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  // Not no-referrer: with it Chromium sends `Origin: null` on the page's own form posts, which the
  // cross-site check must refuse; same-origin keeps our Origin and still tells other sites nothing.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
}

/** A guard looks at the request before routing and body parsing: a refusal, or undefined to let it through. */
export type Guard = (request: Request, url: URL) => Response | undefined

/** Why each refusal was made, for its log line without reading the body back. */
const reasons = new WeakMap<Response, string>()

export function refuse(status: number, error: string, extra: Record<string, string> = {}): Response {
  const response = new Response(JSON.stringify({ error }), { status, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json', ...extra } })
  reasons.set(response, error)
  return response
}

/** The reason a guard gave, or undefined for an answer that is not a refusal worth a line (the sign-in page). */
export const refusalReason = (response: Response): string | undefined => reasons.get(response)

export const isWrite = (request: Request) => request.method !== 'GET' && request.method !== 'HEAD'
