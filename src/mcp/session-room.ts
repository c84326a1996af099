// Who gives way when a new MCP session needs room: the caps per client, per address and in all, and which idle session closes.
// A client is the credential it presented at one address. The scopes nest (client ⊂ address ⊂ all), so closing one
// session in the narrowest scope that is full makes room in every wider one.

export interface Holder {
  /** the credential presented (hashed) at this address */
  client: string
  address: string
  lastSeen: number
  /** a call waiting for a person, or an initialize not yet answered: never closed to make room */
  busy: boolean
}

export interface Caps {
  perClient: number
  perAddress: number
  total: number
}

export type Room<T> = { ok: true; close?: T } | { ok: false; status: 429 | 503; reason: string }

/** Room for one more session of `newcomer`: nothing to do, one session to close first, or a refusal. */
export function makeRoom<T extends Holder>(held: readonly T[], newcomer: Pick<Holder, 'client' | 'address'>, caps: Caps): Room<T> {
  const mine = held.filter((s) => s.client === newcomer.client)
  if (mine.length >= caps.perClient)
    return giveWay(mine, 429, `This client holds ${caps.perClient} MCP sessions, each waiting for an answer: end one (DELETE /mcp) or try again later`)
  const here = held.filter((s) => s.address === newcomer.address)
  if (here.length >= caps.perAddress)
    return giveWay(here, 429, `This address holds ${caps.perAddress} MCP sessions, each waiting for an answer: end one (DELETE /mcp) or try again later`)
  if (held.length >= caps.total) return giveWay(held, 503, 'Too many MCP sessions are waiting for answers; try again later')
  return { ok: true }
}

/**
 * The least recently used idle session of the client holding the most sessions in `scope`. Within a client's own
 * scope that is its own oldest; in a wider one, a flood closes the flooder's sessions before anyone else's.
 */
function giveWay<T extends Holder>(scope: readonly T[], status: 429 | 503, reason: string): Room<T> {
  const held = new Map<string, number>()
  for (const s of scope) held.set(s.client, (held.get(s.client) ?? 0) + 1)
  let pick: T | undefined
  for (const s of scope) {
    if (s.busy) continue
    const more = pick === undefined ? 1 : held.get(s.client)! - held.get(pick.client)!
    if (more > 0 || (more === 0 && s.lastSeen < pick!.lastSeen)) pick = s
  }
  return pick ? { ok: true, close: pick } : { ok: false, status, reason }
}
