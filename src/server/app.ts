// The Elysia app: small route plugins composed over the services they need.
import { Elysia } from 'elysia'
import type { EventBus } from '../events/bus'
import type { EventStore } from '../events/event-store'
import { Inspector } from '../inspector/inspector'
import { DashboardStream, type StreamOptions } from '../live/dashboard-stream'
import { DashboardView, type ViewOptions } from '../view-model/dashboard-view'
import { InspectStream } from '../live/inspect-stream'
import { AgentStream } from '../live/agent-stream'
import { cachedReplays, type AgentSources } from '../view-model/agent-record'
import { replayAgent } from '../view-model/agent-replay'
import { RunGraphStream } from '../live/run-graph-stream'
import { SseHub, type HubOptions } from '../live/sse-hub'
import type { DashboardHandle } from '../machines/dashboard'
import type { QuestionService } from '../questions/question-service'
import { assetRoutes, loadAssets } from './assets'
import { errorMapping } from './errors'
import { jsonBody } from './json-body'
import { apiRoutes } from './routes/api'
import { otlpRoutes } from './routes/otlp'
import { SpanAssembler } from '../otlp/assembler'
import { eventStreamRoutes } from './routes/events'
import { healthRoutes } from './routes/health'
import { metricsRoutes } from './routes/metrics'
import { apiDocsRoutes } from './routes/openapi'
import { inspectRoutes } from './routes/inspect'
import { pageRoutes } from './routes/page'
import { questionRoutes } from './routes/questions'
import { nameRoutes } from './routes/name'
import { respondRoutes } from './routes/respond'
import { runRoutes } from './routes/runs'
import { historyRoutes } from './routes/history'
import { agentRoutes } from './routes/agents'
import { agentPageRoutes } from './routes/agent-page'
import { stepQueryOf } from './routes/agent-query'
import { mcpRoutes } from './routes/mcp'
import { claudeCodeRoutes, type ClaudeCodeOptions } from './routes/claude-code'
import { MAX_HOOK_BODY_BYTES } from '../hooks/claude-code-input'
import { McpGateway, type McpOptions } from '../mcp/mcp-gateway'
import { security } from './security'
import { Sessions } from './session'
import { sessionRoutes } from './routes/session'
import { SignIn } from '../views/sign-in'

export interface AppServices {
  bus: EventBus
  questions: QuestionService
  dashboard: DashboardHandle
  /** the event store behind the bus: history for GET /api/events */
  store: EventStore
  token?: string
  /** SWITCHBOARD_METRICS_TOKEN: opens /metrics alone */
  metricsToken?: string
  /** Host header values accepted besides loopback (SWITCHBOARD_PUBLIC_URL's host, a bound address) */
  allowedHosts?: readonly string[]
  hub?: HubOptions
  /** the read model's clock and thresholds, and the streams' coalescing window */
  stream?: StreamOptions & ViewOptions
  /** the observer passed to startDashboard's `inspect`; without one the inspector lists nothing */
  inspector?: Inspector
  /** the MCP endpoint's timings and bounds (tests shorten the progress interval) */
  mcp?: McpOptions
  /** OTLP spans → agents across exports (its index written to the database); default: an index in memory only */
  spans?: SpanAssembler
  /** Claude Code's hooks: the approval deadline's timer (tests move a manual clock) */
  claudeCode?: ClaudeCodeOptions
}

export function createApp(services: AppServices) {
  const { bus, questions, dashboard, token } = services
  const hub = new SseHub(services.hub)
  // One read model: routes read it, the dashboard stream renders and sends it.
  const view = new DashboardView(dashboard, questions, services.stream)
  const stream = new DashboardStream(view, hub, services.stream)
  const assets = loadAssets()
  const inspector = services.inspector ?? new Inspector()
  const questionText = (msgId: string) => questions.status(msgId)?.question
  const inspectStream = new InspectStream(inspector, hub, { flushMs: services.stream?.flushMs, questionText })
  const graphStream = new RunGraphStream(dashboard, hub, { flushMs: services.stream?.flushMs })
  const agentSources = agentSourcesOf(services, view)
  const agentStream = new AgentStream(agentSources, agentChanges(services), hub, stepQueryOf, { flushMs: services.stream?.flushMs })
  // An answer sent from a page is told to that tab: its id is the dashboard's or an agent page's.
  const toaster = { toast: (tab: string, text: string, ok: boolean) => stream.toast(tab, text, ok) || agentStream.toast(tab, text, ok) }
  const sessions = token ? new Sessions(token) : undefined
  const mcp = new McpGateway({ questions, bus }, services.mcp)
  const signInPage = () => String(SignIn({ assets: assets.urls, failed: false }))
  // reusePort off: a second instance on the same port must fail to start, not share it silently. Bun's body cap is
  // the largest any route reads (Claude Code's hooks): every route counts its own bound as the body arrives.
  const app = new Elysia({ serve: { maxRequestBodySize: MAX_HOOK_BODY_BYTES + (1 << 20), reusePort: false } })
    .use(errorMapping)
    .use(jsonBody)
    .use(security({ token, metricsToken: services.metricsToken, sessions, allowedHosts: services.allowedHosts, signInPage }))
    .use(healthRoutes({ store: services.store, questions }))
    .use(metricsRoutes())
    .use(apiDocsRoutes(assets.apiDocs))
    .use(assetRoutes(assets.files))
    .use(token && sessions ? sessionRoutes(token, sessions, assets.urls) : new Elysia())
    .use(pageRoutes(view, assets.urls, { signOut: !!token }))
    .use(eventStreamRoutes(stream))
    .use(respondRoutes(questions, toaster, bus))
    .use(nameRoutes())
    .use(apiRoutes({ bus, view, store: services.store, ignored: dashboard.ignored }))
    .use(questionRoutes(questions, bus))
    .use(otlpRoutes(bus, services.spans ?? new SpanAssembler()))
    .use(runRoutes({ store: services.store, questions, assets: assets.urls, dashboard, graphStream, prices: services.stream?.prices, view }))
    .use(historyRoutes(services.store, assets.urls))
    .use(agentRoutes(view, assets.urls))
    .use(agentPageRoutes({ sources: agentSources, stream: agentStream, assets: assets.urls }))
    .use(inspectRoutes({ inspector, stream: inspectStream, assets: assets.urls, store: services.store, questionText }))
    .use(mcpRoutes(mcp))
    .use(claudeCodeRoutes({ questions, bus }, services.claudeCode))
    .onStop(async () => {
      await mcp.close()
      inspectStream.close()
      agentStream.close()
      graphStream.close()
      stream.close()
      view.close()
      hub.close()
    })
  return { app, hub, view, stream, inspector, inspectStream, agentStream, mcp }
}

/** What the agent page reads: the read model for agents in memory, the store for the rest. */
function agentSourcesOf(services: AppServices, view: DashboardView): AgentSources {
  return {
    facts: (agentId) => view.facts(agentId),
    replay: cachedReplays(
      (agentId) => {
        // The inspector's sequence is not shown here: a log of one entry is enough.
        const replayed = replayAgent(services.store, agentId, { logLimit: 1 })
        return replayed && { snapshot: replayed.snapshot, graphId: replayed.snapshot.context.graph_id, truncated: replayed.truncated }
      },
      (agentId) => services.store.query({ agent_id: agentId, order: 'desc', limit: 1 })[0]?.seq,
    ),
    cards: () => view.current().blocked,
    steps: services.store.steps,
    prices: view.prices,
    now: () => view.current().now,
  }
}

/** An agent may have changed: an event of its was stored (in memory or not), or its actor changed. */
function agentChanges({ bus, dashboard, questions }: AppServices) {
  return {
    onAgent(listener: (agentId: string) => void) {
      const unlisten = bus.listen((e) => e.agent_id !== undefined && listener(e.agent_id))
      const unwatch = dashboard.agents.onChange(listener)
      return () => (unlisten(), unwatch())
    },
    onQuestions: (listener: () => void) => questions.onChange(listener),
  }
}
