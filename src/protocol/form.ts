// Typed questions: the form schema (MCP elicitation's requestedSchema subset), approval answers, and the
// check of an answer against its question, naming the field that fails. Shared by the server and the SDK.
import { Type as T, type Static } from '@sinclair/typebox'
import { MAX_TEXT } from './limits.ts'
import { firstFailure, type Failure } from './schema.ts'

export const QUESTION_KINDS = ['text', 'options', 'approval', 'form'] as const
export type QuestionKind = (typeof QUESTION_KINDS)[number]

/** a form has at most this many fields */
export const MAX_FIELDS = 30
// A field name becomes a signal path in the page (`responseDraft.<card>.<field>`): a leading `_` would
// make it local to the browser (never sent), and a built-in property name would reach the prototype.
const FIELD_NAME = '^[A-Za-z][A-Za-z0-9_]{0,63}$'
const FIELD_NAME_ERROR = 'must be a field name: a letter, then up to 63 letters, digits or _ (not a built-in name such as constructor)'
const builtIn = (name: string) => name in Object.prototype
const Label = (max: number) => T.Optional(T.String({ maxLength: max, error: `must be a string of at most ${max} characters` }))
const Count = T.Optional(T.Integer({ minimum: 0, maximum: MAX_TEXT, error: `must be a whole number from 0 to ${MAX_TEXT}` }))
const Bound = T.Optional(T.Number({ minimum: -1e15, maximum: 1e15, error: 'must be a number between -1e15 and 1e15' }))
const described = { title: Label(200), description: Label(1000) }

export const STRING_FORMATS = ['email', 'uri', 'date', 'date-time'] as const

const StringField = T.Object(
  {
    type: T.Literal('string'),
    ...described,
    minLength: Count,
    maxLength: Count,
    format: T.Optional(T.Union(STRING_FORMATS.map((f) => T.Literal(f)), { error: `must be one of ${STRING_FORMATS.join(', ')}` })),
    default: T.Optional(T.String({ maxLength: MAX_TEXT })),
  },
  { additionalProperties: false },
)
const EnumField = T.Object(
  {
    type: T.Literal('string'),
    ...described,
    enum: T.Array(T.String({ minLength: 1, maxLength: 200 }), { minItems: 1, maxItems: 50, error: 'must be 1 to 50 strings of 1 to 200 characters' }),
    enumNames: T.Optional(T.Array(T.String({ minLength: 1, maxLength: 200 }), { maxItems: 50, error: 'must be up to 50 strings of 1 to 200 characters' })),
    default: T.Optional(T.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
)
const NumberField = T.Object(
  { type: T.Union([T.Literal('number'), T.Literal('integer')]), ...described, minimum: Bound, maximum: Bound, default: Bound },
  { additionalProperties: false },
)
const BooleanField = T.Object({ type: T.Literal('boolean'), ...described, default: T.Optional(T.Boolean()) }, { additionalProperties: false })

export const FormField = T.Union([StringField, EnumField, NumberField, BooleanField], {
  error: 'must be a field: {type: "string"} (minLength, maxLength, format), {type: "string", enum}, {type: "number" | "integer"} (minimum, maximum) or {type: "boolean"}',
})
export type FormField = Static<typeof FormField>
export type StringField = Static<typeof StringField>

/** A flat object of primitive fields, as MCP elicitation's `requestedSchema`. */
export const FormSchema = T.Object(
  {
    type: T.Literal('object', { error: 'must be "object"' }),
    properties: T.Record(T.String({ pattern: FIELD_NAME }), FormField, { minProperties: 1, maxProperties: MAX_FIELDS, error: `must hold 1 to ${MAX_FIELDS} fields` }),
    required: T.Optional(T.Array(T.String({ pattern: FIELD_NAME, error: FIELD_NAME_ERROR }), { maxItems: MAX_FIELDS })),
  },
  { additionalProperties: true, error: 'must be an object {type: "object", properties, required?}' },
)
export type FormSchema = Static<typeof FormSchema>

export type FormAnswer = Record<string, string | number | boolean>
export interface ApprovalAnswer {
  approved: boolean
  comment?: string
}
/** What a person answered: text (free or one of the options), an approval, or a form's values. */
export type Answer = string | ApprovalAnswer | FormAnswer

export const ApprovalAnswer = T.Object(
  { approved: T.Boolean({ error: 'must be true or false' }), comment: T.Optional(T.String({ maxLength: MAX_TEXT, error: `must be a string of at most ${MAX_TEXT} characters` })) },
  { additionalProperties: false, error: 'must be {approved: true | false, comment?}' },
)

const isEnum = (f: FormField): f is Static<typeof EnumField> => 'enum' in f

/** What is wrong with a schema beyond its shape (a required field it does not have, min above max…). */
export function formSchemaProblem(schema: unknown, at = 'schema'): Failure | undefined {
  const shape = firstFailure(FormSchema, schema, at)
  if (shape) return shape
  const s = schema as FormSchema
  for (const [name, field] of Object.entries(s.properties)) {
    if (!new RegExp(FIELD_NAME).test(name) || builtIn(name)) return { field: `${at}.properties`, reason: `field "${name.slice(0, 80)}" ${FIELD_NAME_ERROR}` }
    const where = `${at}.properties.${name}`
    if (isEnum(field) && field.enumNames && field.enumNames.length !== field.enum.length) return { field: `${where}.enumNames`, reason: 'must name every enum value' }
    if (isEnum(field) && field.default !== undefined && !field.enum.includes(field.default)) return { field: `${where}.default`, reason: 'must be one of the enum values' }
    const f = field as { minimum?: number; maximum?: number; minLength?: number; maxLength?: number }
    if (f.minimum !== undefined && f.maximum !== undefined && f.minimum > f.maximum) return { field: `${where}.minimum`, reason: 'must not exceed maximum' }
    if (f.minLength !== undefined && f.maxLength !== undefined && f.minLength > f.maxLength) return { field: `${where}.minLength`, reason: 'must not exceed maxLength' }
  }
  for (const name of s.required ?? []) if (!Object.hasOwn(s.properties, name)) return { field: `${at}.required`, reason: `names "${name}", which is not a field` }
  return undefined
}

const DATE = /^\d{4}-\d{2}-\d{2}$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function formatProblem(format: (typeof STRING_FORMATS)[number], v: string): string | undefined {
  if (format === 'email' && !EMAIL.test(v)) return 'must be an email address'
  if (format === 'uri' && !URL.canParse(v)) return 'must be a URI'
  if (format === 'date' && !(DATE.test(v) && Number.isFinite(Date.parse(v)))) return 'must be a date (YYYY-MM-DD)'
  if (format === 'date-time' && !(DATE_TIME.test(v) && Number.isFinite(Date.parse(v)))) return 'must be a date and time (YYYY-MM-DDTHH:MM)'
  return undefined
}

function fieldProblem(field: FormField, v: unknown): string | undefined {
  if (field.type === 'boolean') return typeof v === 'boolean' ? undefined : 'must be true or false'
  if (field.type === 'number' || field.type === 'integer') {
    if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number'
    if (field.type === 'integer' && !Number.isInteger(v)) return 'must be a whole number'
    if (field.minimum !== undefined && v < field.minimum) return `must be at least ${field.minimum}`
    if (field.maximum !== undefined && v > field.maximum) return `must be at most ${field.maximum}`
    return undefined
  }
  if (typeof v !== 'string') return 'must be a string'
  if (isEnum(field)) return field.enum.includes(v) ? undefined : `must be one of ${field.enum.join(', ').slice(0, 300)}`
  const s = field as Static<typeof StringField>
  if (v.length > (s.maxLength ?? MAX_TEXT)) return `must be at most ${s.maxLength ?? MAX_TEXT} characters`
  if (s.minLength !== undefined && v.length < s.minLength) return `must be at least ${s.minLength} characters`
  return s.format && v !== '' ? formatProblem(s.format, v) : undefined
}

/** The form's values, checked against its schema: unknown fields refused, required ones present. */
export function formAnswerProblem(schema: FormSchema, value: unknown, at = 'answer'): Failure | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { field: at, reason: 'must be an object of the form’s fields' }
  const values = value as Record<string, unknown>
  for (const name of Object.keys(values)) if (!Object.hasOwn(schema.properties, name)) return { field: `${at}.${name.slice(0, 64)}`, reason: 'is not a field of this form' }
  for (const [name, field] of Object.entries(schema.properties)) {
    const v = values[name]
    const missing = v === undefined || v === null || v === ''
    if (missing) {
      if (schema.required?.includes(name)) return { field: `${at}.${name}`, reason: 'is required' }
      continue
    }
    const problem = fieldProblem(field, v)
    if (problem) return { field: `${at}.${name}`, reason: problem }
  }
  return undefined
}

/**
 * Browser form values (text inputs give strings, an untouched field may be absent) in the types the
 * schema asks for; values that do not convert are left as they are, for formAnswerProblem to refuse.
 */
export function coerceFormValues(schema: FormSchema, values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, field] of Object.entries(schema.properties)) {
    if (!Object.hasOwn(values, name)) continue
    const v = values[name]
    if ((field.type === 'number' || field.type === 'integer') && typeof v === 'string') out[name] = v.trim() === '' ? undefined : Number(v)
    else if (field.type === 'boolean' && typeof v === 'string') out[name] = v === 'true' ? true : v === 'false' ? false : v
    else out[name] = typeof v === 'string' ? v.trim() : v
  }
  for (const name of Object.keys(values)) if (!Object.hasOwn(schema.properties, name)) out[name] = values[name]
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k]
  return out
}

/** One line for a person (a toast, a log line, a webhook): the text, "Approved", or the form's values. */
export function answerSummary(answer: unknown): string {
  if (typeof answer === 'string') return answer
  if (typeof answer !== 'object' || answer === null) return String(answer)
  const a = answer as Record<string, unknown>
  if (typeof a.approved === 'boolean' && Object.keys(a).every((k) => k === 'approved' || k === 'comment'))
    return `${a.approved ? 'Approved' : 'Denied'}${typeof a.comment === 'string' && a.comment ? `: ${a.comment}` : ''}`
  return Object.entries(a)
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ')
}
