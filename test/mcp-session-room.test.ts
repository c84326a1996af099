// Which MCP session gives way for a new one: the caps per client, per address and in all, decided on plain records.
import { describe, expect, it } from 'bun:test'
import { makeRoom, type Holder } from '../src/mcp/session-room'

const caps = { perClient: 2, perAddress: 3, total: 5 }
let t = 0
const held = (client: string, address: string, busy = false): Holder => ({ client: `${client}@${address}`, address, lastSeen: ++t, busy })

describe('makeRoom', () => {
  it('under every cap, nothing closes', () => {
    expect(makeRoom([held('k', 'a')], { client: 'k@a', address: 'a' }, caps)).toEqual({ ok: true })
  })

  it('at its own cap, a client’s least recently used idle session closes, not a busy one', () => {
    const [busy, old, young] = [held('k', 'a', true), held('k', 'a'), held('k', 'a')]
    expect(makeRoom([held('other', 'b'), busy, old, young], { client: 'k@a', address: 'a' }, { ...caps, perClient: 3 })).toEqual({ ok: true, close: old })
  })

  it('at its own cap with every session busy, a client is refused 429 whatever others hold', () => {
    const room = makeRoom([held('idle', 'b'), held('k', 'a', true), held('k', 'a', true)], { client: 'k@a', address: 'a' }, caps)
    expect(room).toMatchObject({ ok: false, status: 429 })
  })

  it('at an address’s cap, the client holding most there gives way, whichever credential asks', () => {
    // The light client's session is the oldest: least recently used alone would close it.
    const light = held('y', 'a')
    const heavy = [held('x', 'a'), held('x', 'a')]
    expect(makeRoom([light, ...heavy, held('z', 'b')], { client: 'y@a', address: 'a' }, caps)).toEqual({ ok: true, close: heavy[0] })
  })

  it('at the total, the heaviest client gives way, not the one that asks and not a light one', () => {
    const light = held('p', 'a')
    const flood = [held('f', 'c'), held('f', 'c')]
    const all = [light, ...flood, held('q', 'b'), held('r', 'd')]
    expect(makeRoom(all, { client: 'n@e', address: 'e' }, caps)).toEqual({ ok: true, close: flood[0] })
  })

  it('at the total with every session busy, a new client is refused 503', () => {
    const all = Array.from({ length: 5 }, (_, i) => held(`c${i}`, `a${i}`, true))
    expect(makeRoom(all, { client: 'n@e', address: 'e' }, caps)).toMatchObject({ ok: false, status: 503 })
  })
})
