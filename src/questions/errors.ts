// Typed domain errors. They carry no HTTP codes: server/errors.ts maps each to its status in one table.

export abstract class DomainError extends Error {
  override get name() {
    return this.constructor.name
  }
}

export class NotFound extends DomainError {}
export class AlreadyAnswered extends DomainError {
  /** the answer that came first, when known */
  constructor(message: string, readonly answer?: string) {
    super(message)
  }
}
export class Conflict extends DomainError {}
/** timed out or cancelled: the agent no longer waits for this answer */
export class Expired extends DomainError {}
/** A bad input, naming the field it is about. */
export class Invalid extends DomainError {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field} ${reason}`)
  }
}
/** The service is stopping: waits end (a client retries against the next process). */
export class ServiceClosing extends DomainError {
  constructor() {
    super('switchboard is restarting; try again')
  }
}
