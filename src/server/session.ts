// Browser sessions when a token is set: the token typed once becomes a signed, expiring, HttpOnly cookie.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export const SESSION_COOKIE = 'switchboard_session'

/** Whether the browser reached us over https (directly, or through a proxy that says so): cookies then get `Secure`. */
export const overTls = (request: Request) => new URL(request.url).protocol === 'https:' || request.headers.get('x-forwarded-proto') === 'https'
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(given: string, expected: string): boolean {
  // Hash both first: timingSafeEqual needs equal lengths, and the length must not leak either.
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/**
 * A session is `<expires-at>.<hmac>`, keyed by a secret derived from the token: it survives a
 * restart, and changing the token signs everyone out. Nothing is stored server-side.
 */
export class Sessions {
  private readonly key: Buffer
  /** sessions signed out before they expired; kept in memory, so a restart forgets them (the cookie is gone from the browser anyway) */
  private readonly revoked = new Map<string, number>()

  constructor(token: string, private readonly ttlMs = SESSION_TTL_MS, private readonly now: () => number = Date.now) {
    this.key = createHash('sha256').update(`switchboard-session\0${token}`).digest()
  }

  issue(): string {
    const expires = this.now() + this.ttlMs
    return `${expires}.${this.sign(String(expires))}`
  }

  /** Sign out: this session no longer counts, wherever its cookie is still held. */
  revoke(value: string | undefined): void {
    if (!value || !this.valid(value)) return
    const now = this.now()
    for (const [v, expires] of this.revoked) if (expires <= now) this.revoked.delete(v)
    this.revoked.set(value, Number(value.slice(0, value.indexOf('.'))))
  }

  valid(value: string | undefined): boolean {
    if (!value || this.revoked.has(value)) return false
    const dot = value.indexOf('.')
    const expires = Number(value.slice(0, dot))
    if (dot < 1 || !Number.isSafeInteger(expires) || expires <= this.now()) return false
    return sameSecret(value.slice(dot + 1), this.sign(value.slice(0, dot)))
  }

  /** Set-Cookie for a new session; `secure` when the page is served over https. */
  cookie(value: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(this.ttlMs / 1000)}${secure ? '; Secure' : ''}`
  }

  clearCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('hex')
  }
}

/** One cookie's value from a Cookie header. */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
