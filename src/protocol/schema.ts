// Shared TypeBox building blocks and the one way a value is checked: the first failing field, in words.
import { Type as T, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { MAX_DEPTH, MAX_ID_LENGTH, MAX_OPTION_LENGTH, MAX_OPTIONS, MAX_TEXT, MAX_TIMEOUT_S } from './limits.ts'

// C0/C1 controls break logs, headers and HTML ids; bidi overrides spoof names; `.`/`..` break URLs;
// a lone UTF-16 surrogate cannot be URL-encoded (encodeURIComponent throws) nor stored as itself.
const LONE_SURROGATE = '[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]'
const ID_PATTERN = `^(?!\\.{1,2}$)(?![\\s\\S]*(?:${LONE_SURROGATE}))[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]+$`
// At least one visible character.
const TEXT_PATTERN = '\\S'

/**
 * `error` is the reason a person reads when the value fails this schema (Elysia reads the same key
 * for its own validation messages), so a 400 says "agent_id must be …" rather than a regex.
 */
export const Id = (error = `must be a string of 1 to ${MAX_ID_LENGTH} characters without control or bidi-override characters, not . or ..`) =>
  T.String({ minLength: 1, maxLength: MAX_ID_LENGTH, pattern: ID_PATTERN, error })

/** A display name: like an id, but `.` is fine. */
export const Name = T.String({
  minLength: 1,
  maxLength: MAX_ID_LENGTH,
  pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]+$',
  error: `must be a string of 1 to ${MAX_ID_LENGTH} characters without control or bidi-override characters`,
})

export const Text = (max = MAX_TEXT) =>
  T.String({ minLength: 1, maxLength: max, pattern: TEXT_PATTERN, error: `must be a non-empty string of at most ${max} characters` })

export const Options = T.Array(Text(MAX_OPTION_LENGTH), {
  maxItems: MAX_OPTIONS,
  error: `must be an array of at most ${MAX_OPTIONS} non-empty strings of at most ${MAX_OPTION_LENGTH} characters`,
})

export const TimeoutS = T.Number({
  exclusiveMinimum: 0,
  maximum: MAX_TIMEOUT_S,
  error: `must be a positive number of seconds, at most ${MAX_TIMEOUT_S}`,
})

export interface Failure {
  field: string
  reason: string
}

/** `/payload/options/0` → `payload.options[0]`. */
export function fieldOf(path: string, prefix = ''): string {
  const parts = path.split('/').filter(Boolean)
  let out = prefix
  for (const p of parts) out += /^\d+$/.test(p) ? `[${p}]` : out ? `.${p}` : p
  return out || 'body'
}

// TypeBox's compiler turns a schema into a checking function once: ingest checks every event's envelope
// and payload, and the interpreted Value.Check was a tenth of the ingest profile.
const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>()
function checker(schema: TSchema): TypeCheck<TSchema> {
  let check = compiled.get(schema)
  if (!check) compiled.set(schema, (check = TypeCompiler.Compile(schema)))
  return check
}

/** The first failure of `value` against `schema`, or undefined when it fits. */
export function firstFailure(schema: TSchema, value: unknown, prefix = ''): Failure | undefined {
  const check = checker(schema)
  if (check.Check(value)) return undefined
  const first = check.Errors(value).First()
  if (!first) return { field: prefix || 'body', reason: 'is invalid' }
  const custom = (first.schema as { error?: unknown }).error
  return { field: fieldOf(first.path, prefix), reason: typeof custom === 'string' ? custom : first.message }
}

/**
 * Whether a JSON value nests deeper than `max`, walked without recursion so that a hostile
 * 100,000-deep body cannot overflow the stack here either.
 */
export function tooDeep(value: unknown, max = MAX_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[value, 0]]
  while (stack.length) {
    const [v, depth] = stack.pop()!
    if (typeof v !== 'object' || v === null) continue
    if (depth >= max) return true
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1])
  }
  return false
}

export type { Static }
