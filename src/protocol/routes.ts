// Every HTTP route's path, in one module: the server defines them, the views link them, the SDK calls them.
import { cardId, QUEUE_ANCHOR } from './anchors.ts'

/** An id as one path segment. Ingest refuses lone surrogates, but a link must never throw on what is already stored. */
const segment = (id: string) => encodeURIComponent(id.toWellFormed())

export const routes = {
  page: '/',
  /** the dashboard scrolled to a question's card (links sent off the page: webhooks) */
  card: (msgId: string) => `/#${cardId(msgId)}`,
  /** the dashboard's question queue, its filter set to a run's id when given */
  queue: (graphId?: string) => (graphId === undefined ? `/#${QUEUE_ANCHOR}` : `/?${new URLSearchParams({ queue: graphId.toWellFormed() })}#${QUEUE_ANCHOR}`),
  events: '/events',
  respond: (agentId: string) => `/agent/${segment(agentId)}/respond`,
  /** withdraw a pending question: the agent is told it was cancelled */
  cancel: (agentId: string) => `/agent/${segment(agentId)}/cancel`,
  /** who answers from this browser (a form post; kept in a cookie) */
  name: '/name',
  /** an agent's page: its state, its error in full, its steps; for every agent ever stored (read from the store, live over the hub) */
  agent: (agentId: string) => `/agents/${segment(agentId)}`,
  inspect: (agentId?: string) => (agentId === undefined ? '/inspect' : `/inspect/${segment(agentId)}`),
  /** The dashboard root actor's page: two segments, so no agent id (always one encoded segment) can collide with it. */
  inspectRoot: '/inspect/-/dashboard',
  /** the actor index's live stream; under `-/` so that no agent id can collide with it */
  inspectIndexEvents: '/inspect/-/events',
  /** An inspector page's live stream: the page's own path + `/events`. */
  inspectEvents: (page: string) => `${page}/events`,
  /** Time travel: the page as it was right after entry `seq`. */
  inspectAt: (page: string, seq: number) => `${page}?at=${seq}`,
  /** the run list, or one run's read-only dashboard */
  runs: (graphId?: string) => (graphId === undefined ? '/runs' : `/runs/${segment(graphId)}`),
  /** a run's agents drawn as a graph of their dependencies, live while the run is */
  runGraph: (graphId: string) => `/runs/${segment(graphId)}/graph`,
  runGraphEvents: (graphId: string) => `/runs/${segment(graphId)}/graph/events`,
  /** every agent, filtered by name/id and state, a page at a time */
  agents: (query: Record<string, string | undefined> = {}) => {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined))
    return params.size ? `/agents?${params}` : '/agents'
  },
  /** the stored log searched: `?agent=&kind=&q=&before=` */
  history: (query: Record<string, string | undefined> = {}) => {
    const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined))
    return params.size ? `/history?${params}` : '/history'
  },
  /** an agent page's live stream */
  agentEvents: (agentId: string) => `/agents/${segment(agentId)}/events`,
  /** the agent page as JSON: its header facts and a page of its steps */
  agentApi: (agentId: string) => `/api/agents/${segment(agentId)}`,
  snapshot: '/api/snapshot',
  /** OTLP/HTTP trace exports (the path every OpenTelemetry exporter appends to its endpoint) */
  otlpTraces: '/v1/traces',
  ingest: '/api/events',
  questions: '/api/questions',
  question: (msgId: string) => `/api/questions/${segment(msgId)}`,
  /** the MCP server (Streamable HTTP: POST JSON-RPC, GET its SSE stream, DELETE the session) */
  mcp: '/mcp',
  /** Claude Code's hooks (`"type": "http"`): its hook input JSON as it sends it; `?approve=1` on PreToolUse asks on a card */
  claudeCodeHooks: '/hooks/claude-code',
  health: '/healthz',
  /** readiness for load balancers: 503 while the store cannot take a write, or while stopping */
  ready: '/readyz',
  /** Prometheus text format */
  metrics: '/metrics',
  /** the API reference (UI), and the OpenAPI document it reads */
  apiDocs: '/openapi',
  apiSpec: '/openapi/json',
  login: '/login',
  logout: '/logout',
  assets: '/assets/',
} as const

/** The same routes as Elysia path patterns, for the server's route plugins. */
export const patterns = {
  respond: '/agent/:agent_id/respond',
  cancel: '/agent/:agent_id/cancel',
  run: '/runs/:graph_id',
  runGraph: '/runs/:graph_id/graph',
  runGraphEvents: '/runs/:graph_id/graph/events',
  agent: '/agents/:agent_id',
  agentEvents: '/agents/:agent_id/events',
  agentApi: '/api/agents/:agent_id',
  inspectAgent: '/inspect/:agent_id',
  inspectAgentEvents: '/inspect/:agent_id/events',
  question: '/api/questions/:msg_id',
  questionEvents: '/api/questions/:msg_id/events',
} as const

/** The paths that take a write (POST): an unknown one is a 404 whatever its body, not a 415 for its content type. */
const WRITE_PATHS: readonly RegExp[] = [routes.login, routes.logout, routes.name, routes.otlpTraces, routes.ingest, routes.questions, routes.mcp, routes.claudeCodeHooks]
  .map((path) => new RegExp(`^${path}$`))
  .concat([patterns.respond, patterns.cancel].map((pattern) => new RegExp(`^${pattern.replace(/:[a-z_]+/g, '[^/]+')}$`)))

export const isWritePath = (path: string): boolean => WRITE_PATHS.some((re) => re.test(path))
