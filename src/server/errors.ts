// One mapping from typed domain errors and Elysia's own errors to status codes with a reason.
import { Elysia } from 'elysia'
import { StatusError } from '../coordinator/errors'
import { InvalidEvent } from '../events/event'

export class UnsupportedMediaType extends StatusError {
  readonly status = 415
}
export class PayloadTooLarge extends StatusError {
  readonly status = 413
}

export function statusOf(error: unknown): number | undefined {
  if (error instanceof InvalidEvent) return 400
  return error instanceof StatusError ? error.status : undefined
}

/** The failing field and reason of an Elysia validation error, in one line. */
function validationReason(error: { all?: Array<{ path?: string; message?: string; summary?: string }> }): string {
  const first = error.all?.[0]
  if (!first) return 'invalid request'
  const field = first.path?.replace(/^\//, '').replaceAll('/', '.') || 'body'
  return `${field}: ${first.summary ?? first.message ?? 'invalid'}`
}

export const errorMapping = new Elysia({ name: 'error-mapping' }).onError({ as: 'global' }, ({ code, error, status }) => {
  const mapped = statusOf(error)
  if (mapped) return status(mapped, { error: (error as Error).message })
  switch (code) {
    case 'VALIDATION':
      return status(400, { error: validationReason(error as never) })
    case 'PARSE':
      return status(400, { error: 'body is not valid JSON' })
    case 'NOT_FOUND':
      return status(404, { error: 'no such route' })
    default:
      console.error('unhandled error', error)
      return status(500, { error: 'internal error' })
  }
})
