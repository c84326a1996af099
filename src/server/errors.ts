// The one table from domain errors (and the HTTP layer's own) to status codes, and the onError that applies it.
import { Elysia } from 'elysia'
import { InvalidEvent } from '../protocol/event'
import { InvalidStepQuery } from '../protocol/steps'
import type { TSchema } from '@sinclair/typebox'
import { fieldOf, firstFailure } from '../protocol/schema'
import { AlreadyAnswered, Conflict, Expired, Invalid, NotFound, ServiceClosing } from '../questions/errors'
import { StorageUnavailable } from '../workspace/workspace'
import { logger } from '../telemetry/log'
import { OnceLog } from '../telemetry/once'
import { noteRefusal } from './refusals'

export class PayloadTooLarge extends Error {}

const STATUS: ReadonlyArray<readonly [abstract new (...args: never[]) => Error, number]> = [
  [Invalid, 400],
  [InvalidEvent, 400],
  [InvalidStepQuery, 400],
  [NotFound, 404],
  [AlreadyAnswered, 409],
  [Conflict, 409],
  [Expired, 410],
  [PayloadTooLarge, 413],
  [ServiceClosing, 503],
  [StorageUnavailable, 503],
]

export function statusOf(error: unknown): number | undefined {
  return STATUS.find(([type]) => error instanceof type)?.[1]
}

/** The JSON body of an error response: the reason, and the field when one is at fault. */
export function errorBody(error: unknown): { error: string; field?: string } {
  const message = error instanceof Error ? error.message : String(error)
  const field = error instanceof Invalid || error instanceof InvalidEvent || error instanceof InvalidStepQuery ? error.field : undefined
  return field === undefined ? { error: message } : { error: message, field }
}

/**
 * The failing field of an Elysia validation error, in one line. Read defensively: for some hostile
 * values (`{"toString": 1}`) Elysia's own message getter throws, and an error handler must not.
 */
function validationFailure(error: unknown): { error: string; field: string } {
  try {
    const { all, type } = error as { all?: Array<{ path?: string; message?: string; schema?: { error?: unknown } }>; type?: string }
    const first = all?.[0]
    if (first) {
      // The query, params and headers name their part: `query.limit`; the body's fields stand alone.
      const field = fieldOf(first.path ?? '', type && type !== 'body' ? type : '')
      const custom = first.schema?.error
      return { error: `${field} ${typeof custom === 'string' ? custom : (first.message ?? 'is invalid')}`, field }
    }
  } catch {
    // Elysia's summary failed on this value: check it against the route's schema ourselves.
    try {
      const { validator, value, type } = error as { validator?: { schema?: TSchema } & TSchema; value?: unknown; type?: string }
      const schema = validator?.schema ?? validator
      const failure = schema && firstFailure(schema, value)
      if (failure) {
        const field = type === 'body' || !type ? failure.field : `${type}.${failure.field}`
        return { error: `${field} ${failure.reason}`, field }
      }
    } catch {
      // still a 400 below, never a 500
    }
  }
  return { error: 'the request does not match the expected shape', field: 'body' }
}

/** The status and body for an error: the table first, then Elysia's own codes; anything else is a 500. */
function answerFor(code: unknown, error: unknown): [number, { error: string; field?: string }] {
  // A parse hook's refusal (json-body.ts: too deep) reaches here wrapped in Elysia's ParseError; its cause says why.
  const cause = code === 'PARSE' && error instanceof Error ? error.cause : undefined
  const own = statusOf(cause) ? cause : error
  const mapped = statusOf(own)
  if (mapped) return [mapped, errorBody(own)]
  switch (code) {
    case 'VALIDATION':
      return [400, validationFailure(error)]
    case 'PARSE':
      return [400, { error: 'body is not valid JSON' }]
    case 'NOT_FOUND':
      return [404, { error: 'no such route' }]
    default:
      return [500, { error: 'internal error' }]
  }
}

const log = logger('server')

/** A bug's place: its type, message and first frame, so one bug met by every request is one incident. */
function bugKey(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 200)
  const frame = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at ')) ?? ''
  return `${error.name}: ${error.message.slice(0, 200)} ${frame.trim()}`
}

const bugs = new OnceLog('unhandled error', log)
/** times each bug was met, to say so at 10, 100, 1000…: the log grows with the logarithm of a flood, not with it */
const repeats = new Map<string, number>()

/** An unexpected 500: its stack the first time, then a count line at each power of ten. */
export function noteBug(error: unknown): void {
  const key = bugKey(error)
  if (bugs.begins(key)) {
    if (repeats.size >= 1000) repeats.clear()
    repeats.set(key, 1)
    log.error(`unhandled error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`, { status: 500 })
    return
  }
  const times = (repeats.get(key) ?? 1) + 1
  repeats.set(key, times)
  if (/^10+$/.test(String(times))) log.error(`unhandled error met ${times} times since its first (stack above): ${key}`, { status: 500, times })
}

export const errorMapping = new Elysia({ name: 'error-mapping' }).onError({ as: 'global' }, ({ code, error, status, set, request }) => {
  const [code_, body] = answerFor(code, error)
  if (code_ === 503) set.headers['retry-after'] = '1'
  // Expected refusals get a line without a stack; only a bug (a 500) shows where it happened.
  if (code_ === 500) noteBug(error)
  else noteRefusal(request, code_, body.error)
  return status(code_, body)
})
