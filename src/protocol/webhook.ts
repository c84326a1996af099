// The webhook wire format: the JSON body POSTed to SWITCHBOARD_WEBHOOK_URL and its headers (receivers and tests read these names).

import type { Answer } from './form.ts'

export const NOTICE_EVENTS = ['question.asked', 'question.answered', 'question.timed_out', 'question.cancelled', 'agent.failed'] as const
export type NoticeEvent = (typeof NOTICE_EVENTS)[number]

/** Slack-compatible (`text`), with the same facts as fields for any other receiver. */
export interface WebhookNotice {
  /** one line for people, with a Slack link `<url|label>` to the card */
  text: string
  event: NoticeEvent
  /** the id of the stored event this notice stands for */
  event_id: string
  agent_id: string
  agent_name?: string
  msg_id?: string
  question?: string
  /** question.answered: as typed as the question asked (text, {approved, comment?}, a form's values) */
  answer?: Answer
  /** question.answered / .cancelled: who answered or withdrew it, when known */
  answered_by?: string
  /** agent.failed: the reported error */
  error?: string
  graph_id?: string
  /** when it happened, ISO-8601 */
  at: string
  /** the card (questions) or the agent's inspector page (failures) */
  url: string
}

export const WEBHOOK_HEADERS = {
  /** `<event_id>:<n>`, n the URL's position in SWITCHBOARD_WEBHOOK_URL from 0: the same on every retry, so a repeat is recognisable */
  delivery: 'x-switchboard-delivery',
  event: 'x-switchboard-event',
  /** 1 for the first try */
  attempt: 'x-switchboard-attempt',
  /** unix seconds of this attempt; signed with the body */
  timestamp: 'x-switchboard-timestamp',
  /** `sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>` when SWITCHBOARD_WEBHOOK_SECRET is set */
  signature: 'x-switchboard-signature',
} as const
