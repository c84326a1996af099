// The agent page's query, read once for the page, its stream and its JSON: `?kind=tool,model&errors=1&cursor=…&limit=…`.
import { t } from 'elysia'
import { MAX_ID_LENGTH } from '../../protocol/limits'
import { firstFailure, Id } from '../../protocol/schema'
import { DEFAULT_STEP_PAGE, InvalidStepQuery, MAX_STEP_PAGE, STEP_KINDS, type StepKind, type StepQuery } from '../../protocol/steps'
import { Invalid } from '../../questions/errors'
import { PREVIEW_CHARS, type StepView } from '../../views/agent-steps'

const MAX_CURSOR = MAX_ID_LENGTH
const CURSOR = Id(`must be the \`next\` of an earlier page (at most ${MAX_CURSOR} characters)`)
const AGENT_ID = Id()

/** The query as the OpenAPI document describes it; `parseStepView` reads it (repeated `kind=` too). */
export const stepQuerySchema = t.Object({
  kind: t.Optional(t.String({ maxLength: 100, description: `comma-separated kinds: ${STEP_KINDS.join(', ')} (default: every kind)` })),
  errors: t.Optional(t.String({ maxLength: 5, description: '1: only steps that failed' })),
  cursor: t.Optional(t.String({ maxLength: MAX_CURSOR, description: "the previous page's `next`" })),
  limit: t.Optional(t.String({ maxLength: 5, description: `steps per page, 1 to ${MAX_STEP_PAGE} (default ${DEFAULT_STEP_PAGE})` })),
})

function kindsOf(raw: readonly string[]): StepKind[] {
  const kinds = new Set<StepKind>()
  for (const value of raw.flatMap((r) => r.split(','))) {
    const kind = value.trim()
    if (kind === '') continue
    if (!(STEP_KINDS as readonly string[]).includes(kind)) throw new Invalid('query.kind', `must be a comma-separated list of ${STEP_KINDS.join(', ')}`)
    kinds.add(kind as StepKind)
  }
  // In the order the page lists them, so two spellings of one filter are one stream key.
  return STEP_KINDS.filter((k) => kinds.has(k))
}

function one(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name)
  if (all.length > 1) throw new Invalid(`query.${name}`, 'must be given once')
  return all[0]
}

/** The filter and position a URL asks for; Invalid (a 400 with the reason) for anything else. */
export function parseStepView(params: URLSearchParams): StepView {
  const kinds = params.getAll('kind')
  if (kinds.join(',').length > 100) throw new Invalid('query.kind', 'must be at most 100 characters')
  const view: StepView = { kinds: kindsOf(kinds), errorsOnly: false }
  const errors = one(params, 'errors')
  if (errors !== undefined && !['', '0', '1'].includes(errors)) throw new Invalid('query.errors', 'must be 1 (errors only) or 0')
  view.errorsOnly = errors === '1'
  const cursor = one(params, 'cursor')
  if (cursor !== undefined) {
    // Opaque, made by the steps index; whatever it is, it is a short printable string.
    const failure = firstFailure(CURSOR, cursor)
    if (failure) throw new Invalid('query.cursor', failure.reason)
    view.cursor = cursor
  }
  const limit = one(params, 'limit')
  if (limit !== undefined) {
    const n = /^\d{1,3}$/.test(limit) ? Number(limit) : 0
    if (n < 1 || n > MAX_STEP_PAGE) throw new Invalid('query.limit', `must be a whole number from 1 to ${MAX_STEP_PAGE}`)
    view.limit = n
  }
  return view
}

/** What the steps index is asked for a page's view: texts no longer than the page shows (the JSON has them whole). */
export function stepQueryOf(view: StepView): StepQuery {
  const query: StepQuery = { limit: view.limit ?? DEFAULT_STEP_PAGE, textLimit: PREVIEW_CHARS }
  if (view.kinds.length) query.kinds = [...view.kinds]
  if (view.errorsOnly) query.errorsOnly = true
  if (view.cursor !== undefined) query.cursor = view.cursor
  return query
}

/** An agent id from a path, checked as ingest checks it (the page answers its own 400 in HTML). */
export function checkAgentId(agentId: string): void {
  const failure = firstFailure(AGENT_ID, agentId)
  if (failure) throw new Invalid('agent_id', failure.reason)
}

/** The steps index names its own fields (`cursor`); to a caller of the route they are query parameters. */
export function asQueryError(error: unknown): unknown {
  if (error instanceof InvalidStepQuery) return new Invalid(`query.${error.field}`, error.reason)
  return error instanceof Invalid && !error.field.startsWith('query.') ? new Invalid(`query.${error.field}`, error.reason) : error
}
