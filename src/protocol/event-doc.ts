// The POST /api/events body as the OpenAPI document shows it: the envelope, and each action's payload with its bounds.
import { EventEnvelope, PAYLOADS } from './event.ts'
import { MAX_STEP_TEXT } from './limits.ts'

const payloads = Object.entries(PAYLOADS).map(([name, schema]) => ({ ...schema, title: name }))

const Event = {
  ...EventEnvelope,
  properties: {
    ...EventEnvelope.properties,
    payload: {
      type: 'object',
      description:
        'By `category:action` (the title of each shape below); fields not named pass through. Steps: tool events pair by `call_id` ' +
        '(else the oldest open call of the same tool), `parent_id` nests a step under another; model events carry `input`/`output` ' +
        `text (at most ${MAX_STEP_TEXT.toLocaleString('en')} characters) and \`duration_ms\`.`,
      anyOf: payloads,
    },
  },
}

/** Documentation only: the route checks bodies with validateEvent (400 naming the field), not with this. */
export const IngestBodyDoc = { description: 'One event or an array of events', anyOf: [Event, { type: 'array', items: Event }] }
