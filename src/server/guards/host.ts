// DNS rebinding: answer only to loopback names and the hosts this deployment names (SWITCHBOARD_PUBLIC_URL, the bound address).
import { refuse, type Guard } from './refuse'

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])
/** a name or IPv4 address, or a bracketed IPv6 address, and an optional port */
const HOST_SYNTAX = /^(?:[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?|\[[0-9a-f:.]{2,45}\])(?::(\d{1,5}))?$/i
/** RFC 3986's port is any digits, but a URL's (WHATWG) is 0–65535: past it Bun's request.url no longer parses. */
const MAX_PORT = 65_535
const BAD_HOST = 'the Host header is not a host name with an optional port (0 to 65535)'

/** The host name of a Host header, without the port: `[::1]:3000` → `[::1]`. */
export function hostName(host: string): string {
  const h = host.toLowerCase()
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1)
  return h.split(':')[0]!
}

/** `allowed`: Host values accepted besides loopback names, with or without a port. */
export function hostGuard(allowed: readonly string[] = []): Guard {
  const names = new Set(allowed.map((h) => h.toLowerCase()))
  return function checkHost(request) {
    const host = request.headers.get('host') ?? ''
    const syntax = host ? HOST_SYNTAX.exec(host) : undefined
    if (syntax === null || Number(syntax?.[1] ?? 0) > MAX_PORT) return refuse(400, BAD_HOST)
    const name = hostName(host)
    if (LOOPBACK.has(name) || names.has(host.toLowerCase()) || names.has(name)) return undefined
    return refuse(421, `Host "${host.slice(0, 100)}" is not a name this server answers to (a public deployment sets SWITCHBOARD_PUBLIC_URL)`)
  }
}
