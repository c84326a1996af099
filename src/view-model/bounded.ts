// A bounded copy of a payload for the page and /api/snapshot: long strings and arrays are cut, with a marker.

export const MAX_STRING = 1_000
export const MAX_ITEMS = 50
export const MAX_KEYS = 50

/** Ingest already bounds depth (MAX_DEPTH); this bounds breadth and length so one event cannot weigh megabytes. */
export function bounded(value: unknown, depth = 0): unknown {
  if (typeof value === 'string')
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}… [${value.length - MAX_STRING} more characters]` : value
  if (typeof value !== 'object' || value === null) return value
  if (depth > 32) return '[nested too deep]'
  if (Array.isArray(value)) {
    const head = value.slice(0, MAX_ITEMS).map((v) => bounded(v, depth + 1))
    return value.length > MAX_ITEMS ? [...head, `… [${value.length - MAX_ITEMS} more items]`] : head
  }
  const entries = Object.entries(value)
  // defineProperty-free copy: a key named __proto__ stays a plain own key.
  const out: Record<string, unknown> = Object.create(null)
  for (const [k, v] of entries.slice(0, MAX_KEYS)) out[k] = bounded(v, depth + 1)
  if (entries.length > MAX_KEYS) out['…'] = `${entries.length - MAX_KEYS} more keys`
  return out
}
