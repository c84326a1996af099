// GET /inspect…: the actor index, each actor's page (live, or after entry N), its SSE stream, a 404 that links back.
import { patterns } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { AnyStateMachine } from 'xstate'
import { agentKey, ROOT_KEY, type Inspector } from '../../inspector/inspector'
import { inspectView } from '../../inspector/inspect-view'
import { machineLayout } from '../../inspector/machine-graph'
import type { InspectStream } from '../../live/inspect-stream'
import { agentMachine } from '../../machines/agent.machine'
import { dashboardMachine } from '../../machines/dashboard.machine'
import { InspectIndex, InspectNotFound, InspectPage, type PageAssets } from '../../views/inspector/inspect-page'
import { routes } from '../../views/targets'
import { SSE_HEADERS } from './events'

export interface InspectServices {
  inspector: Inspector
  stream: InspectStream
  assets: PageAssets
}

const HTML = { 'content-type': 'text/html; charset=utf-8' }
const atQuery = t.Object({ at: t.Optional(t.String()) })

/** `?at=N`: a positive integer, or undefined for the live page; anything else matches no entry. */
function parseAt(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  return /^\d{1,12}$/.test(raw) ? Number(raw) : -1
}

// Plain Responses: these pages answer 404 too, and @elysiajs/html's html() always answers 200.
const htmlResponse = (body: JSX.Element, status = 200) => new Response(String(body), { status, headers: HTML })

function notFound(what: string, assets: PageAssets) {
  return htmlResponse(<InspectNotFound what={what} assets={assets} />, 404)
}

export function inspectRoutes({ inspector, stream, assets }: InspectServices) {
  // elk's first run costs most of a second (its code warms up): start it now, not on the first page view.
  void machineLayout(agentMachine)
  void machineLayout(dashboardMachine)
  async function page(key: string, label: string, rawAt: string | undefined) {
    const record = inspector.get(key)
    if (!record) return notFound(`No actor "${label}" has been seen.`, assets)
    const layout = await machineLayout(record.logic as AnyStateMachine)
    const at = parseAt(rawAt)
    const view = inspectView(record, layout.machineId, at)
    if (!view) return notFound(`Entry #${rawAt} of "${label}" is not kept (only the last ${record.log.length} are).`, assets)
    return htmlResponse(<InspectPage view={view} layout={layout} assets={assets} now={Date.now()} />)
  }

  async function events(key: string, request: Request, server: { timeout(req: Request, s: number): void } | null) {
    const record = inspector.get(key)
    if (!record) return new Response('no such actor', { status: 404 })
    const layout = await machineLayout(record.logic as AnyStateMachine)
    // Bun's idle timeout would end a quiet stream between heartbeats.
    server?.timeout(request, 0)
    const body = stream.open(key, layout, request.signal)
    return body ? new Response(body, { headers: SSE_HEADERS }) : new Response('no such actor', { status: 404 })
  }

  return new Elysia()
    .get(routes.inspect(), () => htmlResponse(<InspectIndex actors={inspector.list()} assets={assets} now={Date.now()} />))
    .get(routes.inspectIndexEvents, ({ request, server }) => {
      server?.timeout(request, 0)
      return new Response(stream.openIndex(request.signal), { headers: SSE_HEADERS })
    })
    .get(routes.inspectRoot, ({ query }) => page(ROOT_KEY, 'dashboard', query.at), { query: atQuery })
    .get(routes.inspectEvents(routes.inspectRoot), ({ request, server }) => events(ROOT_KEY, request, server))
    .get(patterns.inspectAgent, ({ params, query }) => page(agentKey(params.agent_id), params.agent_id, query.at), { query: atQuery })
    .get(patterns.inspectAgentEvents, ({ params, request, server }) => events(agentKey(params.agent_id), request, server))
}
