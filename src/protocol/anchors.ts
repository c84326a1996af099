// Element ids a URL can point at (`/#card-…`): shared by the views that render them and the links sent off the page.

/** Encode any id (agent_id, msg_id) into a string safe for an HTML id, a CSS selector and a signal key. */
export function domKey(raw: string): string {
  let out = ''
  for (const ch of raw) out += /[A-Za-z0-9]/.test(ch) ? ch : `_${ch.codePointAt(0)!.toString(16)}_`
  return out
}

/** The element id of a question's card on the dashboard. */
export const cardId = (msgId: string) => `card-${domKey(msgId)}`

/** The dashboard's question queue (its heading): where "stalled on N questions" points. */
export const QUEUE_ANCHOR = 'h-questions'
