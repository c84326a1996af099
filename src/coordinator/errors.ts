// Typed domain errors; the server maps each to one status code in a single onError.

export class NotFound extends Error {
  readonly status = 404
  name = 'NotFound'
}
export class AlreadyAnswered extends Error {
  readonly status = 409
  name = 'AlreadyAnswered'
}
export class Conflict extends Error {
  readonly status = 409
  name = 'Conflict'
}
export class Expired extends Error {
  readonly status = 410
  name = 'Expired'
}
export class Invalid extends Error {
  readonly status = 400
  name = 'Invalid'
}

export type DomainError = NotFound | AlreadyAnswered | Conflict | Expired | Invalid
