// HTTP to Switchboard: base url, bearer token, an injectable fetch, and one classification of outcomes.
import { SwitchboardHttpError } from './errors.ts'

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

export interface TransportOptions {
  url: string
  token?: string
  fetch?: FetchLike
}

/** What to do with a response or a failure: use it, try again later, or give up. */
export type Outcome =
  | { kind: 'ok'; status: number; body: unknown }
  | { kind: 'retry'; reason: string }
  | { kind: 'fatal'; error: SwitchboardHttpError }

/** 408 and 429 say "not now", 5xx "not me": the same request may succeed later. Other 4xx will not. */
export const isRetryableStatus = (status: number) => status >= 500 || status === 408 || status === 429

export class Transport {
  private readonly base: string
  private readonly token?: string
  private readonly fetch: FetchLike

  constructor({ url, token, fetch: f }: TransportOptions) {
    this.base = url.replace(/\/+$/, '')
    this.token = token
    this.fetch = f ?? ((input, init) => fetch(input, init))
  }

  /**
   * One request. Connection failures become `retry` (the server may be restarting); an abort of
   * `signal` is rethrown, since the caller asked to stop. A 404 is returned as `ok` with its status
   * so callers that expect one (ask() after a restart onto an empty db) can act on it.
   */
  async send(method: 'GET' | 'POST', path: string, body?: unknown, signal?: AbortSignal): Promise<Outcome> {
    const headers: Record<string, string> = { accept: 'application/json' }
    if (body !== undefined) headers['content-type'] = 'application/json'
    if (this.token) headers.authorization = `Bearer ${this.token}`
    let res: Response
    try {
      res = await this.fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal })
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      return { kind: 'retry', reason: `connection failed: ${String(error)}` }
    }
    const read = await readBody(res, signal)
    if (!read.complete) return { kind: 'retry', reason: `${method} ${path}: response cut off` }
    const parsed = read.value
    if (res.ok || res.status === 404) return { kind: 'ok', status: res.status, body: parsed }
    if (isRetryableStatus(res.status)) return { kind: 'retry', reason: `${method} ${path} → ${res.status}` }
    return { kind: 'fatal', error: new SwitchboardHttpError(res.status, parsed, `${method} ${path}`) }
  }
}

/** JSON if it parses, the text otherwise; a body cut off mid-read (server stopped) is incomplete. */
async function readBody(res: Response, signal?: AbortSignal): Promise<{ complete: true; value: unknown } | { complete: false }> {
  let text: string
  try {
    text = await res.text()
  } catch (error) {
    if (signal?.aborted) throw signal.reason
    return { complete: false }
  }
  try {
    return { complete: true, value: text ? JSON.parse(text) : undefined }
  } catch {
    // Not JSON (a proxy's error page, say): keep the text for the error message.
    return { complete: true, value: text }
  }
}
