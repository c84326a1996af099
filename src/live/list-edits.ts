// A keyed list brought from what clients have to what they should have with the fewest patches: the items
// that left are removed, the new and the moved ones inserted next to their neighbour, the changed ones
// morphed, and the ones that stayed where they were not sent at all.
import { patchElements, removeElements } from './sse-encoder'

export interface RenderedList {
  /** item keys in display order */
  order: readonly string[]
  /** rendered HTML by key; each item's root element has the id `elementId(key)` */
  html: ReadonlyMap<string, string>
}

/**
 * Indexes into `seq` of one longest strictly increasing subsequence (patience sorting, O(n log n)):
 * the kept items that can stay where they are; the others have moved.
 */
export function longestIncreasing(seq: readonly number[]): Set<number> {
  const tails: number[] = []
  const prev = new Array<number>(seq.length)
  for (let i = 0; i < seq.length; i++) {
    let lo = 0
    let hi = tails.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (seq[tails[mid]!]! < seq[i]!) lo = mid + 1
      else hi = mid
    }
    prev[i] = lo > 0 ? tails[lo - 1]! : -1
    tails[lo] = i
  }
  const keep = new Set<number>()
  for (let i = tails.at(-1) ?? -1; i !== -1; i = prev[i]!) keep.add(i)
  return keep
}

/**
 * The patches that turn `before` into `after` inside the list element `listId`. Returns undefined when
 * sending the list whole would be smaller (most of it is new or moved).
 */
export function listEdits(listId: string, elementId: (key: string) => string, before: RenderedList, after: RenderedList): string[] | undefined {
  const wasAt = new Map(before.order.map((key, i) => [key, i]))
  const kept = after.order.filter((key) => wasAt.has(key))
  const staying = longestIncreasing(kept.map((key) => wasAt.get(key)!))
  const stays = new Set(kept.filter((_, i) => staying.has(i)))
  const parts: string[] = []
  // Removed first (gone, or moving): every insertion below then anchors on an element in its final place.
  for (const key of before.order) if (!stays.has(key)) parts.push(removeElements(`#${elementId(key)}`))
  let bytes = 0
  after.order.forEach((key, i) => {
    const html = after.html.get(key)!
    let part: string | undefined
    if (!stays.has(key))
      part =
        i === 0
          ? patchElements({ html, selector: `#${listId}`, mode: 'prepend' })
          : patchElements({ html, selector: `#${elementId(after.order[i - 1]!)}`, mode: 'after' })
    else if (before.html.get(key) !== html) part = patchElements({ html })
    if (part === undefined) return
    parts.push(part)
    bytes += html.length
  })
  const whole = after.order.reduce((sum, key) => sum + after.html.get(key)!.length, 0)
  return bytes > whole / 2 ? undefined : parts
}
