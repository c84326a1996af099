// Typed errors the SDK rejects with, so callers can tell a timeout from a refusal from a network fault.

/** ask() gave up: the question timed out on the server (or locally, when the server stayed unreachable past the deadline). */
export class AskTimeout extends Error {
  override name = 'AskTimeout'
  constructor(readonly msgId: string, readonly timeoutS: number) {
    super(`question ${msgId} was not answered within ${timeoutS} s`)
  }
}

/** ask() ended without an answer: a person withdrew the question on the dashboard (or the agent finished first). */
export class AskCancelled extends Error {
  override name = 'AskCancelled'
  constructor(readonly msgId: string, readonly by?: string) {
    super(`question ${msgId} was withdrawn${by ? ` by ${by}` : ''}`)
  }
}

/** Switchboard answered with a status the SDK does not retry (4xx other than 408/429). */
export class SwitchboardHttpError extends Error {
  override name = 'SwitchboardHttpError'
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly route: string,
  ) {
    super(`${route} → ${status}${typeof body === 'object' && body && 'error' in body ? `: ${String((body as { error: unknown }).error)}` : ''}`)
  }
}

/** The client was closed while an operation still waited on the server. */
export class ClientClosed extends Error {
  override name = 'ClientClosed'
  constructor() {
    super('switchboard client closed')
  }
}
