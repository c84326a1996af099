// The badge list's edits, applied to a list the way the browser applies them: whatever changed, the result is
// the list as it should be (every anchor present when used), or the list is sent whole.
import { describe, expect, it } from 'bun:test'
import { listEdits, longestIncreasing, type RenderedList } from '../src/live/list-edits'
import { domKey } from '../src/views/targets'

const LIST = 'list'
const elementId = (key: string) => `item-${domKey(key)}`
const KEYS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', '__proto__', 'constructor', `q'"`, '🦀', 'x'.repeat(200), 'list', '-', 'ünï', 'toString', '0', '1', '2']

const itemHtml = (key: string, version: number) => `<li id="${elementId(key)}">${key.length}:${version}</li>`

/** Apply the patches as Datastar does: remove, insert after, prepend into the list, morph by id. */
function apply(dom: Array<{ id: string; html: string }>, parts: readonly string[]) {
  for (const part of parts) {
    const data = [...part.matchAll(/^data: (\w+) (.*)$/gm)].map((m) => [m[1]!, m[2]!] as const)
    const selector = data.find(([k]) => k === 'selector')?.[1]
    const mode = data.find(([k]) => k === 'mode')?.[1]
    const html = data.filter(([k]) => k === 'elements').map(([, v]) => v).join('\n')
    const id = html.match(/^<li id="([^"]+)"/)?.[1]
    const at = (target: string) => {
      const i = dom.findIndex((el) => el.id === target)
      if (i === -1) throw new Error(`no #${target} in the list for ${part}`)
      return i
    }
    if (mode === 'remove') dom.splice(at(selector!.slice(1)), 1)
    else if (mode === 'after') dom.splice(at(selector!.slice(1)) + 1, 0, { id: id!, html })
    else if (mode === 'prepend') {
      expect(selector).toBe(`#${LIST}`)
      dom.unshift({ id: id!, html })
    } else {
      expect(selector).toBeUndefined()
      dom[at(id!)] = { id: id!, html }
    }
    expect(new Set(dom.map((el) => el.id)).size).toBe(dom.length)
  }
  return dom
}

/** A seeded generator, so a failure is the same on every run. */
function rng(seed: number) {
  return (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return Math.floor((seed / 2147483648) * n)
  }
}

function shuffled<T>(items: T[], rnd: (n: number) => number): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rnd(i + 1)
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

describe('listEdits', () => {
  it('brings any list to any other, in order, anchoring only on items in place', () => {
    const rnd = rng(42)
    let patched = 0
    for (let trial = 0; trial < 3000; trial++) {
      const before = shuffled(KEYS, rnd).slice(0, rnd(KEYS.length + 1))
      // after: some of before left, a few moved, some new ones
      let after = before.filter(() => rnd(5) > 0)
      for (let moves = rnd(4); moves > 0 && after.length > 1; moves--) {
        const [moved] = after.splice(rnd(after.length), 1)
        after.splice(rnd(after.length + 1), 0, moved!)
      }
      for (const key of KEYS) if (!before.includes(key) && rnd(4) === 0) after.splice(rnd(after.length + 1), 0, key)
      after = [...new Set(after)]
      const versions = new Map(KEYS.map((k) => [k, rnd(3) === 0 ? 1 : 0]))
      const was: RenderedList = { order: before, html: new Map(before.map((k) => [k, itemHtml(k, 0)])) }
      const now: RenderedList = { order: after, html: new Map(after.map((k) => [k, itemHtml(k, versions.get(k)!)])) }
      const parts = listEdits(LIST, elementId, was, now)
      if (!parts) continue
      patched++
      const dom = apply(before.map((k) => ({ id: elementId(k), html: itemHtml(k, 0) })), parts)
      expect(dom.map((el) => el.html)).toEqual(after.map((k) => now.html.get(k)!))
    }
    // most of these are patched piece by piece, not sent whole
    expect(patched).toBeGreaterThan(800)
  })

  it('sends nothing when nothing changed', () => {
    const list: RenderedList = { order: KEYS, html: new Map(KEYS.map((k) => [k, itemHtml(k, 0)])) }
    expect(listEdits(LIST, elementId, list, list)).toEqual([])
  })

  it('keeps the longest run still in order', () => {
    expect([...longestIncreasing([0, 5, 1, 2, 6, 3, 4])].sort()).toEqual([0, 2, 3, 5, 6])
    expect(longestIncreasing([])).toEqual(new Set())
    expect(longestIncreasing([3, 2, 1]).size).toBe(1)
  })
})
