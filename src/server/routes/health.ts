// GET /healthz (alive) and /readyz (store writable, not stopping): for process managers and load balancers.
import { routes } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { EventStore } from '../../events/event-store'
import type { QuestionService } from '../../questions/question-service'
import { StorageUnavailable } from '../../workspace/workspace'

export interface Readiness {
  store: EventStore
  questions: QuestionService
}

/**
 * Why this instance should not get traffic now, or undefined. The actors are rebuilt from the event
 * store before the server listens, so an answer at all means the replay after a restart is done.
 */
export function notReady({ store, questions }: Readiness): string | undefined {
  if (questions.stopping) return 'stopping'
  try {
    store.probeWrite()
  } catch (error) {
    if (error instanceof StorageUnavailable) return `the store cannot take a write: ${error.reason}`
    throw error
  }
  return undefined
}

export const healthRoutes = (readiness: Readiness) =>
  new Elysia()
    .get(routes.health, () => ({ ok: true as const }), {
      detail: { summary: 'Liveness: the process answers', tags: ['operations'] },
      response: t.Object({ ok: t.Literal(true) }),
    })
    .get(
      routes.ready,
      ({ status }) => {
        const why = notReady(readiness)
        return why === undefined ? { ready: true } : status(503, { ready: false, error: why })
      },
      {
        detail: { summary: 'Readiness: 503 while the store cannot take a write or the server is stopping', tags: ['operations'] },
        response: { 200: t.Object({ ready: t.Literal(true) }), 503: t.Object({ ready: t.Literal(false), error: t.String() }) },
      },
    )
