// Bounds every producer and the server agree on: ids, texts, question shapes, timestamps, nesting.

export const MAX_ID_LENGTH = 200
/** a question, an answer */
export const MAX_TEXT = 4096
export const MAX_OPTIONS = 20
/** an option is a button label */
export const MAX_OPTION_LENGTH = 200
export const MAX_TIMEOUT_S = 86_400
/** deeper payloads are refused: every consumer walks them recursively */
export const MAX_DEPTH = 32
/** agents a graph:started may announce */
export const MAX_ROSTER = 10_000
/** 2000-01-01 … 2100-01-01: anything outside is a unit mistake (seconds, µs) or garbage */
export const MIN_TIMESTAMP = 946_684_800_000
export const MAX_TIMESTAMP = 4_102_444_800_000
/** a question's markdown context */
export const MAX_CONTEXT = 20_000
/** a question's details, as JSON text */
export const MAX_DETAILS = 20_000
/**
 * a request body's nesting at most, checked on the raw text before it is parsed: MAX_DEPTH of payload
 * inside the envelopes around it (a batch, an MCP call's params, OTLP's resource → scope → span → attribute levels)
 */
export const MAX_BODY_DEPTH = 2 * MAX_DEPTH
/**
 * characters kept of a step's args, result, prompt or completion in the steps index (longer is cut with
 * "…" and marked `truncated`): enough to read a tool's output on the agent page, while 10,000 steps stay a small table
 */
export const MAX_STEP_TEXT = 20_000
