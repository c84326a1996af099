// What a stored event tells a webhook receiver: the notice body, its one-line Slack text and the link back to the page.
import type { EventStore, StoredEvent } from '../events/event-store'
import { wireName, type Event } from '../protocol/event'
import { answerSummary, type Answer } from '../protocol/form'
import { blockedMsgId } from '../protocol/question'
import { routes } from '../protocol/routes'
import type { NoticeEvent, WebhookNotice } from '../protocol/webhook'

/** The stored events that become notices. */
export const NOTICE_KINDS = ['agent:blocked', 'agent:resumed', 'agent:failed'] as const

const LINE_MAX = 300
const str = (v: unknown) => (typeof v === 'string' ? v : undefined)

/** One line, bounded, with Slack's three control characters escaped (its mrkdwn reads `<…>` as a link). */
function line(s: string, max = LINE_MAX): string {
  const flat = s.replace(/\s+/g, ' ').trim()
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat
  return cut.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function kindOf(e: Event): NoticeEvent | undefined {
  const name = wireName(e)
  if (name === 'agent:blocked') return 'question.asked'
  if (name === 'agent:failed') return 'agent.failed'
  if (name !== 'agent:resumed' || typeof e.payload.msg_id !== 'string') return undefined
  if (e.payload.timed_out === true) return 'question.timed_out'
  if (e.payload.cancelled === true) return 'question.cancelled'
  return e.payload.answer !== undefined ? 'question.answered' : undefined
}

/** The agent's name, if the store still holds an agent:started or graph:started naming it. */
function agentName(store: EventStore, e: Event): string | undefined {
  const agentId = e.agent_id!
  const started = store.query({ agent_id: agentId, kind: 'agent:started', order: 'desc', limit: 1 })[0]
  const named = str(started?.event.payload.name)
  if (named || e.graph_id === undefined) return named
  const roster = store.query({ graph_id: e.graph_id, kind: 'graph:started', order: 'desc', limit: 1 })[0]?.event.payload.agents
  if (!Array.isArray(roster)) return undefined
  return str((roster as Array<{ agent_id?: unknown; name?: unknown }>).find((a) => a?.agent_id === agentId)?.name)
}

/** The question an agent:resumed settles: agent:resumed carries only its msg_id. */
function questionOf(store: EventStore, agentId: string, msgId: string): string | undefined {
  const asked = store.query({ agent_id: agentId, kind: 'agent:blocked', order: 'desc', limit: 200 })
  return str(asked.find((s) => blockedMsgId(s.event) === msgId)?.event.payload.question)
}

function summary(n: Omit<WebhookNotice, 'text'>): string {
  const who = `Agent ${line(n.agent_name ?? n.agent_id, 100)}`
  const q = n.question === undefined ? '' : line(n.question)
  const text = {
    'question.asked': `${who} asks: ${q}`,
    'question.answered': `${who} was answered "${line(n.answer === undefined ? '' : answerSummary(n.answer), 200)}"${n.answered_by ? ` by ${line(n.answered_by, 100)}` : ''}${q ? ` to: ${q}` : ''}`,
    'question.timed_out': `${who}'s question timed out unanswered${q ? `: ${q}` : ''}`,
    'question.cancelled': `${who}'s question was withdrawn${q ? `: ${q}` : ''}`,
    'agent.failed': `${who} failed${n.error ? `: ${line(n.error)}` : ''}`,
  }[n.event]
  // The URL itself is not escaped: Slack reads it up to the `|`, and ids in it are percent-encoded.
  return `${text} <${n.url}|Open in Switchboard>`
}

/** The notice a stored event stands for, or undefined when it stands for none; `base` is the page's URL without a trailing slash. */
export function noticeOf(store: EventStore, { event: e }: StoredEvent, base: string): WebhookNotice | undefined {
  const event = kindOf(e)
  if (!event || e.agent_id === undefined) return undefined
  const p = e.payload
  const msgId = event === 'agent.failed' ? undefined : blockedMsgId(e)
  const fields: Omit<WebhookNotice, 'text'> = {
    event,
    event_id: e.id,
    agent_id: e.agent_id,
    agent_name: agentName(store, e),
    msg_id: msgId,
    question: event === 'question.asked' ? str(p.question) : msgId === undefined ? undefined : questionOf(store, e.agent_id, msgId),
    answer: event === 'question.answered' ? (p.answer as Answer) : undefined,
    answered_by: event === 'question.answered' || event === 'question.cancelled' ? str(p.answered_by) : undefined,
    error: event === 'agent.failed' ? str(p.error) : undefined,
    graph_id: e.graph_id,
    at: new Date(e.timestamp).toISOString(),
    url: base + (msgId === undefined ? routes.agent(e.agent_id) : routes.card(msgId)),
  }
  for (const key of Object.keys(fields) as Array<keyof typeof fields>) if (fields[key] === undefined) delete fields[key]
  return { text: summary(fields), ...fields }
}
