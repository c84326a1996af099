// Strings that must match between views, stream and routes: element ids, selectors, routes, signal names.

/** Encode any id (agent_id, msg_id) into a string safe for an HTML id, a CSS selector and a signal key. */
export function domKey(raw: string): string {
  let out = ''
  for (const ch of raw) out += /[A-Za-z0-9]/.test(ch) ? ch : `_${ch.codePointAt(0)!.toString(16)}_`
  return out
}

export const ids = {
  stream: 'stream',
  summary: 'summary',
  agentList: 'agent-list',
  agent: (agentId: string) => `agent-${domKey(agentId)}`,
  blockedList: 'blocked-list',
  card: (msgId: string) => `card-${domKey(msgId)}`,
  cardStatus: (msgId: string) => `card-${domKey(msgId)}-status`,
  results: 'results',
  eventList: 'event-list',
  inspector: 'inspector',
  // Inspector pages: the stream starter sits outside these patch targets.
  inspectStream: 'insp-stream',
  inspectActors: 'insp-actors',
  inspectStatus: 'insp-status',
  inspectDiagram: 'insp-diagram',
  inspectContext: 'insp-context',
  inspectSequence: 'insp-sequence',
  inspectEntry: (seq: number) => `insp-entry-${seq}`,
} as const

export const routes = {
  page: '/',
  events: '/events',
  respond: (agentId: string) => `/agent/${encodeURIComponent(agentId)}/respond`,
  inspect: (agentId?: string) => (agentId === undefined ? '/inspect' : `/inspect/${encodeURIComponent(agentId)}`),
  /** The dashboard root actor's page: two segments, so no agent id (always one encoded segment) can collide with it. */
  inspectRoot: '/inspect/-/dashboard',
  /** the actor index's live stream; under `-/` so that no agent id can collide with it */
  inspectIndexEvents: '/inspect/-/events',
  /** An inspector page's live stream: the page's own path + `/events`. */
  inspectEvents: (page: string) => `${page}/events`,
  /** Time travel: the page as it was right after entry `seq`. */
  inspectAt: (page: string, seq: number) => `${page}?at=${seq}`,
  snapshot: '/api/snapshot',
  ingest: '/api/events',
  questions: '/api/questions',
  health: '/healthz',
} as const

/** Signal names seeded by the shell; `responseDraft` holds one draft per card, keyed by domKey(msg_id). */
export const signals = {
  events: 'events',
  blocked: 'blocked',
  agentStates: 'agentStates',
  results: 'results',
  progress: 'progress',
  responseDraft: 'responseDraft',
} as const

/** Quote a string for a single-quoted JS literal inside a Datastar expression (the attribute is HTML-escaped too). */
export const jsString = (s: string) => `'${s.replace(/[\\'\u2028\u2029<>&"]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`

export const EVENT_LOG_LIMIT = 200
export const DEFAULT_LOG_CATEGORIES = ['agent', 'graph'] as const
