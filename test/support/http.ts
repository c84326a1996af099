// The suite's one set of HTTP helpers (after elysia's test/utils.ts): requests for `app.handle` or `fetch`, JSON posts, waiting on a condition.

/** Where an in-process request is addressed: a loopback name, so the Host guard treats it as a local browser's. */
export const IN_PROCESS = 'http://localhost'

/**
 * A Request for a path (in-process: `app.handle(req('/healthz'))`) or for a full URL (`fetch(req(url))`).
 * A Request built by hand has neither the Host nor the Content-Length header a socket's request has, and the
 * server reads both (the Host guard, the ingest size limit), so they are set as fetch would unless the caller gives them.
 */
export function req(path: string, init: RequestInit = {}): Request {
  const url = /^https?:\/\//.test(path) ? path : IN_PROCESS + path
  const headers = new Headers(init.headers)
  if (!headers.has('host')) headers.set('host', new URL(url).host)
  const length = typeof init.body === 'string' ? Buffer.byteLength(init.body) : ArrayBuffer.isView(init.body) ? init.body.byteLength : undefined
  if (length !== undefined && !headers.has('content-length')) headers.set('content-length', String(length))
  return new Request(url, { ...init, headers })
}

/** A JSON POST; a string body goes as it is (malformed JSON, a hand-built nesting). */
export function post(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return req(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>

/**
 * Wait until `check()` gives a truthy value and return it, or throw naming `what` after `ms`.
 * For state nothing announces (a row in a file, a count on another server); where an event or a frame says it,
 * await that instead. The 10 ms between looks is polling, not synchronisation: the deadline is the only time that matters.
 */
export async function until<T>(what: string, check: () => T | Promise<T>, ms = 10_000): Promise<Truthy<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value as Truthy<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
