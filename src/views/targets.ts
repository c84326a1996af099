// Strings that must match between views, streams and routes: element ids, selectors, routes, signal names.
import { cardId, domKey, QUEUE_ANCHOR } from '../protocol/anchors'

export { domKey }

// Ids made of a prefix and an item's domKey (`agent-`, `card-`, `rg-`) can be any letters and digits after
// the prefix: a fixed id must never have that form (an agent named `list` once had the list's id).
export const ids = {
  stream: 'stream',
  summary: 'summary',
  agentList: 'agents',
  /** counts per state and the agent filter, beside the badges */
  agentCounts: 'agents-counts',
  agent: (agentId: string) => `agent-${domKey(agentId)}`,
  blockedList: 'blocked-list',
  /** the live region that reads out the newest question */
  queueAnnounce: 'queue-announce',
  card: cardId,
  /** a card's controls: each needs an id of its own for Datastar's request indicator */
  cardControl: (msgId: string, control: string) => `card-${domKey(msgId)}-${control}`,
  /** the live region where the outcome of an answer is announced, outside every card */
  toast: 'toast',
  /** the banner the bridge shows while the stream is down (assets/bridge.js uses the same id) */
  offline: 'offline',
  /** the opt-in alerts checkbox (assets/notify.js uses the same id, and blockedList's) */
  alertsToggle: 'alerts-toggle',
  /** the questions panel's heading: focus goes there when the last card leaves (notify.js) */
  questionsHeading: QUEUE_ANCHOR,
  results: 'results',
  eventList: 'event-list',
  /** a run's graph: the drawing (patched whole when its shape changes), and each agent's node */
  runGraph: 'run-graph',
  /** the edges' arrowhead */
  runGraphArrow: 'run-graph-arrow',
  runGraphNode: (agentId: string) => `rg-${domKey(agentId)}`,
  // Inspector pages: the stream starter sits outside these patch targets.
  inspectStream: 'insp-stream',
  inspectActors: 'insp-actors',
  inspectStatus: 'insp-status',
  inspectDiagram: 'insp-diagram',
  inspectContext: 'insp-context',
  inspectSequence: 'insp-sequence',
  inspectEntry: (seq: number) => `insp-entry-${seq}`,
  // The agent page (`ap-`: not `agent-`, the badges' prefix): its header, open questions, steps and pager.
  agentHead: 'ap-head',
  agentQuestions: 'ap-questions',
  agentSteps: 'ap-steps',
  agentPager: 'ap-pager',
  /** one step, by the seq of the event that opened it (unique and stable, whatever the producer's call ids) */
  agentStep: (seq: number) => `ap-step-${seq}`,
} as const

export { routes } from '../protocol/routes'

/**
 * Signal names. The beta sends every signal not starting with `_` on every request (the stream's
 * URL included), so the sent ones stay tiny whatever the swarm: the tab id, the counts, the drafts.
 */
export const signals = {
  /** this page's id: the server sends the outcome of its answers to this tab's stream */
  tab: 'tab',
  blocked: 'blocked',
  responseDraft: 'responseDraft',
  /** local: one flag per card while its answer is in flight */
  busy: '_busy',
  /** local: the queue's filter text (run, agent name or id) */
  queueFilter: '_queueFilter',
} as const

/** The signal path of a card's draft and busy flag: a JS identifier whatever the msg_id holds. */
export const draftKey = (msgId: string) => `m${domKey(msgId)}`

/** Quote a string for a single-quoted JS literal inside a Datastar expression (the attribute is HTML-escaped too). */
export const jsString = (s: string) => `'${s.replace(/[\\'\u2028\u2029<>&"]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}'`
