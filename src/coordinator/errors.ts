// Typed domain errors; the server maps each to its status code in a single onError.

/** An error that knows the HTTP status it stands for. */
export abstract class StatusError extends Error {
  abstract readonly status: number
  override get name() {
    return this.constructor.name
  }
}

export class NotFound extends StatusError {
  readonly status = 404
}
export class AlreadyAnswered extends StatusError {
  readonly status = 409
}
export class Conflict extends StatusError {
  readonly status = 409
}
export class Expired extends StatusError {
  readonly status = 410
}
export class Invalid extends StatusError {
  readonly status = 400
}
