// How deep (and how many values) a JSON text holds, read from the raw text in one linear pass: no recursion, no parse.
import { MAX_BODY_DEPTH } from './limits.ts'

export interface JsonBound {
  /** which bound: a 400 (malformed as far as we take it) or a 413 (too much of it) */
  kind: 'depth' | 'values'
  /** the top-level key the offending part is under, or `body` */
  field: string
  reason: string
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a
const COMMA = 0x2c
const OPEN_OBJECT = 0x7b
const OPEN_ARRAY = 0x5b
const CLOSE_OBJECT = 0x7d
const CLOSE_ARRAY = 0x5d
/** a longer top-level key is not worth naming */
const MAX_KEY_TEXT = 202

function keyAt(text: string, start: number, end: number): string {
  if (start < 0 || end - start > MAX_KEY_TEXT) return 'body'
  try {
    return JSON.parse(text.slice(start, end)) as string
  } catch {
    return 'body'
  }
}

const tooMany = (text: string, start: number, end: number, max: number): JsonBound => ({ kind: 'values', field: keyAt(text, start, end), reason: `holds more than the limit of ${max} values` })

/**
 * Where `text` nests deeper than `maxDepth` or holds more than `maxValues` values (objects, arrays and
 * the items and members commas separate), or undefined. Exact for valid JSON, since outside a string no
 * JSON token holds a quote or a bracket; what is not JSON is left to JSON.parse to refuse.
 */
export function checkJson(text: string, { maxDepth = MAX_BODY_DEPTH, maxValues = Infinity } = {}): JsonBound | undefined {
  let depth = 0
  let values = 1
  let stringStart = -1
  let stringEnd = -1
  let keyStart = -1
  let keyEnd = -1
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (stringStart > stringEnd) {
      if (c === BACKSLASH) i++
      else if (c === QUOTE) stringEnd = i + 1
      continue
    }
    if (c === QUOTE) stringStart = i
    else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return { kind: 'depth', field: keyAt(text, keyStart, keyEnd), reason: `nests deeper than the depth limit of ${maxDepth} levels` }
      if (++values > maxValues) return tooMany(text, keyStart, keyEnd, maxValues)
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--
    else if (c === COMMA && ++values > maxValues) return tooMany(text, keyStart, keyEnd, maxValues)
    else if (c === COLON && depth === 1) [keyStart, keyEnd] = [stringStart, stringEnd]
  }
  return undefined
}

/** Where `text` nests deeper than `limit` levels, or undefined: run before anything recursive reads it. */
export const checkJsonDepth = (text: string, limit = MAX_BODY_DEPTH): JsonBound | undefined => checkJson(text, { maxDepth: limit })
