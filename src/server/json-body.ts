// JSON request bodies of Elysia's routes, parsed in one place: the nesting is checked on the raw text before JSON.parse,
// so nothing recursive after it (schema checks, JSON.stringify) ever meets a 100,000-deep value.
import { Elysia } from 'elysia'
import { checkJsonDepth } from '../protocol/json-depth'
import { routes } from '../protocol/routes'
import { Invalid } from '../questions/errors'
import { cappedText } from './capped-body'

/** Routes that read their bodies themselves (parse: 'none') and check them there: otlp-codec.ts, mcp/request-body.ts, routes/claude-code.ts. */
const RAW_BODY_ROUTES = new Set<string>([routes.otlpTraces, routes.mcp, routes.claudeCodeHooks])

/**
 * The most a JSON body may hold (DESIGN: POST /api/events ≤ 1 MB). Routes refuse a larger Content-Length before
 * reading; a chunked body has none, and Bun's own cap (the server's, as large as Claude Code's hooks need) is far
 * above it: counted here as it arrives, and refused past it without reading the rest.
 */
export const MAX_JSON_BODY_BYTES = 1 << 20

/** A form's body at most (the sign-in and name forms: a token and a name). */
export const MAX_FORM_BODY_BYTES = 64 << 10

/** The URL's path; Elysia's `path` is not set in a parse hook on Bun's native routes. Without a Host the URL is the bare path. */
const pathOf = (url: string) => url.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').replace(/[?#].*$/s, '')

/**
 * Elysia's JSON parsing for every route, depth-checked. A refusal is an Invalid naming the top-level field the
 * nesting is under; Elysia wraps it in its ParseError, whose cause errors.ts maps. An empty body is null (a
 * route without a body never looks; one with a schema refuses null as it refused the empty text).
 */
export const jsonBody = new Elysia({ name: 'json-body' }).onParse({ as: 'global' }, async function boundedJson({ request }, contentType) {
  // A global hook runs before a route's own `parse: 'none'`, and undefined would let Elysia's parsers read the
  // body after it: null stands for the body, which stays unread for the route.
  if (RAW_BODY_ROUTES.has(pathOf(request.url))) return null
  if (contentType === 'application/x-www-form-urlencoded') return Object.fromEntries(new URLSearchParams(await cappedText(request, MAX_FORM_BODY_BYTES)))
  if (contentType !== 'application/json') return undefined
  const text = await cappedText(request, MAX_JSON_BODY_BYTES)
  if (!text.trim()) return null
  const tooDeep = checkJsonDepth(text)
  if (tooDeep) throw new Invalid(tooDeep.field, tooDeep.reason)
  return JSON.parse(text) as unknown
})
