// Seeded randomness for the demo swarm: one PRNG and the few draws the plan and timings need.

export type Rng = () => number

/** mulberry32: 32-bit state, good enough spread for a demo and reproducible from a single seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Integer in [min, max], both inclusive. */
export const intBetween = (rng: Rng, min: number, max: number): number => min + Math.floor(rng() * (max - min + 1))

export function pick<T>(rng: Rng, items: readonly T[]): T {
  if (items.length === 0) throw new Error('pick from an empty list')
  return items[Math.floor(rng() * items.length)]!
}

/** The first `n` of a Fisher–Yates shuffle: `n` distinct items in random order. */
export function sample<T>(rng: Rng, items: readonly T[], n: number): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j]!, copy[i]!]
  }
  return copy.slice(0, Math.max(0, n))
}

/**
 * A seed for one part of the demo from the swarm's seed and that part's coordinates (run, agent index):
 * each agent draws from its own stream, so what it says does not depend on how timers interleave.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = seed >>> 0
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b) >>> 0
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
    h = (h ^ (h >>> 16)) >>> 0
  }
  return h
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

/** `n` characters of base62, for ids that look like the model APIs' (`toolu_01…`, `msg_01…`). */
export const token = (rng: Rng, n: number): string =>
  Array.from({ length: n }, () => ID_ALPHABET[Math.floor(rng() * ID_ALPHABET.length)]).join('')
