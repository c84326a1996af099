// GET /agents/:agent_id (the page, HTML), its live stream, and GET /api/agents/:agent_id (the same as JSON):
// for every agent ever stored, whether or not its actor is still in memory.
import { Elysia, t } from 'elysia'
import type { AgentStream } from '../../live/agent-stream'
import { patterns } from '../../protocol/routes'
import { Id } from '../../protocol/schema'
import { Invalid, NotFound } from '../../questions/errors'
import { agentRecord, type AgentSources } from '../../view-model/agent-record'
import { AgentPage, AgentRefusal } from '../../views/agent-page'
import type { PageAssets } from '../../views/head'
import { signals as names } from '../../views/targets'
import { asQueryError, checkAgentId, parseStepView, stepQueryOf, stepQuerySchema } from './agent-query'
import { SSE_HEADERS } from './events'
import { newTabId, tabOf } from './tab'

export interface AgentPageServices {
  sources: AgentSources
  stream: AgentStream
  assets: PageAssets
}

const HTML = { 'content-type': 'text/html; charset=utf-8' }

const API_DESCRIPTION = `For every agent ever stored, in memory or not (then rebuilt from its stored events).

\`agent\`: agent_id, name, graph_id, state and label (the state in words), entered_at (epoch ms: time in state counts
from it), updated_at, turn, usage {input, output, total, cost_usd, unpriced}, tool_calls, model_calls, error (failed:
in full), unanswered (timed_out | withdrawn | null), waiting_reason, source (memory | store), replay_truncated.

\`questions\`: its pending questions, as the dashboard's cards.

\`steps\`: tool calls (input: arguments, output: result, error), model calls (model, tokens_in, tokens_out, cost_usd,
input: prompt, output: completion), questions (input: the question, output: the answer, answered_by) and notes, each
with status, turn, started_at, ended_at, duration_ms, parent_id and depth (nesting); texts as stored (at most
MAX_STEP_TEXT characters, \`truncated\` when cut). Paged by \`cursor\` = the previous page's \`next\`.`
const notStored = (agentId: string) => new NotFound(`no agent ${JSON.stringify(agentId)} has been stored`)

/** The record for a path and query, or the refusal (Invalid, NotFound) the caller answers in its own format. */
function read(sources: AgentSources, agentId: string, url: string, whole: boolean) {
  checkAgentId(agentId)
  const view = parseStepView(new URL(url).searchParams)
  const { textLimit: _, ...wholeTexts } = stepQueryOf(view)
  let record
  try {
    record = agentRecord(sources, agentId, whole ? wholeTexts : stepQueryOf(view))
  } catch (error) {
    throw asQueryError(error)
  }
  if (!record) throw notStored(agentId)
  return { view, record }
}

export function agentPageRoutes({ sources, stream, assets }: AgentPageServices) {
  // The page answers its refusals in HTML (a browser reads them); the JSON route leaves them to the error table.
  function page(agentId: string, url: string): Response {
    try {
      const { view, record } = read(sources, agentId, url, false)
      const signals = { [names.tab]: newTabId(), [names.responseDraft]: {} }
      return new Response(String(<AgentPage record={record} view={view} signals={signals} assets={assets} />), { headers: HTML })
    } catch (error) {
      if (error instanceof NotFound) return new Response(String(<AgentRefusal title="No such agent" reason={error.message} assets={assets} />), { status: 404, headers: HTML })
      if (error instanceof Invalid) return new Response(String(<AgentRefusal title="Cannot show this page" reason={error.message} assets={assets} />), { status: 400, headers: HTML })
      throw error
    }
  }

  return new Elysia()
    .get(patterns.agent, ({ params, request }) => page(params.agent_id, request.url), {
      detail: { summary: "An agent's page (HTML): its state, tokens, error, open questions and steps, for every agent ever stored", tags: ['pages'] },
    })
    .get(
      patterns.agentEvents,
      ({ params, query, request, server }) => {
        checkAgentId(params.agent_id)
        const view = parseStepView(new URL(request.url).searchParams)
        // Bun's idle timeout would end a quiet stream between heartbeats.
        server?.timeout(request, 0)
        let body
        try {
          body = stream.open(params.agent_id, view, request.signal, tabOf(query.datastar))
        } catch (error) {
          throw asQueryError(error)
        }
        if (!body) throw notStored(params.agent_id)
        return new Response(body, { headers: SSE_HEADERS })
      },
      {
        query: t.Object({ ...stepQuerySchema.properties, datastar: t.Optional(t.String({ maxLength: 8192 })) }),
        detail: { summary: "An agent page's live stream (Datastar SSE)", tags: ['pages'] },
      },
    )
    .get(
      patterns.agentApi,
      ({ params, request }) => {
        // The texts as stored: the page shows them cut and links here for the rest.
        const { record } = read(sources, params.agent_id, request.url, true)
        return record
      },
      {
        params: t.Object({ agent_id: Id() }),
        query: stepQuerySchema,
        detail: {
          summary: "An agent's header facts, its pending questions and a page of its steps (oldest first; `next` is the following page's cursor)",
          description: API_DESCRIPTION,
          tags: ['agents'],
          responses: {
            200: { description: 'The agent: `{agent, questions, steps: {steps, total, next?}, now}`' },
            400: { description: 'A bad agent_id or query parameter: `{error, field}`' },
            404: { description: 'No event of this agent was ever stored: `{error}`' },
          },
        },
      },
    )
}
