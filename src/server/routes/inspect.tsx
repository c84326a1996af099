// GET /inspect…: the actor index, each actor's page (live, or rebuilt from the store, or after entry N), its SSE stream, a 404 that says why.
import { patterns } from '../../protocol/routes'
import { Elysia, t } from 'elysia'
import type { AnyStateMachine } from 'xstate'
import type { EventStore } from '../../events/event-store'
import { agentKey, ROOT_KEY, type ActorRecord, type Inspector } from '../../inspector/inspector'
import { askedQuestion, inspectView, type InspectView } from '../../inspector/inspect-view'
import { machineLayout } from '../../inspector/machine-graph'
import type { InspectStream } from '../../live/inspect-stream'
import { agentMachine } from '../../machines/agent.machine'
import { dashboardMachine } from '../../machines/dashboard.machine'
import { isStoredAgent, replayAgent } from '../../view-model/agent-replay'
import { InspectIndex, InspectNotFound, InspectPage, type PageAssets } from '../../views/inspector/inspect-page'
import { routes } from '../../views/targets'
import { SSE_HEADERS } from './events'

export interface InspectServices {
  inspector: Inspector
  stream: InspectStream
  assets: PageAssets
  /** where agents no longer in memory are rebuilt from; without it only agents in memory have pages */
  store?: EventStore
  /** a question's text by msg_id (its record), for an agent blocked on one its sequence no longer holds */
  questionText?: (msgId: string) => string | undefined
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

export function inspectRoutes({ inspector, stream, assets, store, questionText }: InspectServices) {
  // elk's first run costs most of a second (its code warms up): start it now, not on the first page view.
  void machineLayout(agentMachine)
  void machineLayout(dashboardMachine)

  /** The text of the question the agent waits on at this view: from the entry that asked it, else its record. */
  function question(view: InspectView): string | undefined {
    const awaiting = (view.context as { awaiting?: unknown } | undefined)?.awaiting
    if (typeof awaiting !== 'string') return undefined
    return askedQuestion(view.record.log, awaiting, view.at?.seq) ?? questionText?.(awaiting)
  }

  async function render(record: ActorRecord, label: string, rawAt: string | undefined, rebuilt?: InspectView['rebuilt']) {
    const layout = await machineLayout(record.logic as AnyStateMachine)
    const view = inspectView(record, layout.machineId, parseAt(rawAt))
    if (!view) {
      const why = rebuilt ? `it has received ${record.received}` : `only the last ${record.log.length} are kept in memory`
      return notFound(`Entry #${rawAt} of "${label}" is not there: ${why}.`, assets)
    }
    if (rebuilt) view.rebuilt = rebuilt
    const asked = question(view)
    if (asked !== undefined) view.question = asked
    return htmlResponse(<InspectPage view={view} layout={layout} assets={assets} now={Date.now()} />)
  }

  async function page(key: string, label: string, rawAt: string | undefined) {
    const record = inspector.get(key)
    if (record) return render(record, label, rawAt)
    return notFound(`No actor "${label}" has been seen.`, assets)
  }

  /** In memory: live. Else rebuilt from its stored events (up to entry `at` when travelling in time). */
  async function agentPage(agentId: string, rawAt: string | undefined) {
    const record = live(agentId)
    if (record) return render(record, agentId, rawAt)
    if (!store) return notFound(`No agent "${agentId}" is in memory.`, assets)
    const at = parseAt(rawAt)
    if (at === -1) return notFound(`Entry "${rawAt}" of "${agentId}": an entry is a number.`, assets)
    const replay = replayAgent(store, agentId, { upTo: at })
    if (!replay) return notFound(`No agent "${agentId}": it is not in memory, and no stored event names it.`, assets)
    return render(replay.record, agentId, rawAt, { events: replay.events, truncated: replay.truncated })
  }

  /**
   * The agent's record in memory; one missing its earlier events (restored from a checkpoint, or remembered anew)
   * first takes its sequence rebuilt from the store, when that ends where the live actor is.
   */
  function live(agentId: string): ActorRecord | undefined {
    const key = agentKey(agentId)
    const record = inspector.get(key)
    if (!record?.late || !store) return record
    const replay = replayAgent(store, agentId)
    if (replay && !replay.truncated && Bun.deepEquals(replay.snapshot.value, record.value) && Bun.deepEquals(replay.snapshot.context, record.context)) inspector.adopt(key, replay.record)
    return inspector.get(key)
  }

  async function events(key: string, request: Request, server: { timeout(req: Request, s: number): void } | null) {
    const record = inspector.get(key)
    // A rebuilt agent's page listens too: its stream carries nothing until the agent acts again, then goes live.
    const agentId = key.startsWith(agentKey('')) ? key.slice(agentKey('').length) : undefined
    const stored = !record && agentId !== undefined && store !== undefined && isStoredAgent(store, agentId)
    if (!record && !stored) return new Response('no such actor', { status: 404 })
    const layout = await machineLayout((record?.logic ?? agentMachine) as AnyStateMachine)
    // Bun's idle timeout would end a quiet stream between heartbeats.
    server?.timeout(request, 0)
    const body = stream.open(key, layout, request.signal)
    return new Response(body, { headers: SSE_HEADERS })
  }

  return new Elysia()
    .get(routes.inspect(), () => htmlResponse(<InspectIndex actors={inspector.list()} assets={assets} now={Date.now()} />))
    .get(routes.inspectIndexEvents, ({ request, server }) => {
      server?.timeout(request, 0)
      return new Response(stream.openIndex(request.signal), { headers: SSE_HEADERS })
    })
    .get(routes.inspectRoot, ({ query }) => page(ROOT_KEY, 'dashboard', query.at), { query: atQuery })
    .get(routes.inspectEvents(routes.inspectRoot), ({ request, server }) => events(ROOT_KEY, request, server))
    .get(patterns.inspectAgent, ({ params, query }) => agentPage(params.agent_id, query.at), { query: atQuery })
    .get(patterns.inspectAgentEvents, ({ params, request, server }) => events(agentKey(params.agent_id), request, server))
}
