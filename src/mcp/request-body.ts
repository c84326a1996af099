// An MCP POST body, read by us before the SDK sees it: bounded in bytes and in time, parsed once, handed on as parsedBody.
// The SDK's transport reads request.body itself with no deadline, and /mcp must lift Bun's idle timeout for
// calls that wait on a person: read unguarded, a client sending headers and half a body held its socket forever.
import { checkJsonDepth } from '../protocol/json-depth'

export interface BodyLimits {
  maxBytes: number
  /** the whole body must arrive within this, however it trickles in */
  deadlineMs: number
}

export type BodyResult = { ok: true; message: unknown } | { ok: false; status: number; code: number; reason: string; headers?: Record<string, string> }

// Connection: close on a refusal whose body may still be arriving: Bun would otherwise keep the socket open for the rest.
const CLOSE = { connection: 'close' }
const tooLarge = (maxBytes: number): BodyResult => ({ ok: false, status: 413, code: -32000, reason: `Payload Too Large: the body must not exceed ${maxBytes} bytes`, headers: CLOSE })

/** The body as a JSON-RPC message (or batch), or the refusal to answer with. */
export async function readBody(request: Request, limits: BodyLimits): Promise<BodyResult> {
  if (Number(request.headers.get('content-length')) > limits.maxBytes) return tooLarge(limits.maxBytes)
  const text = await readText(request, limits)
  if (typeof text !== 'string') return text
  // On the text, before JSON.parse and the SDK's recursive validation; reading the body anywhere before this
  // would read it without the deadline.
  const tooDeep = checkJsonDepth(text)
  if (tooDeep) return { ok: false, status: 400, code: -32700, reason: `Parse error: the body ${tooDeep.reason}` }
  try {
    return { ok: true, message: JSON.parse(text) }
  } catch {
    return { ok: false, status: 400, code: -32700, reason: 'Parse error: Invalid JSON' }
  }
}

async function readText(request: Request, { maxBytes, deadlineMs }: BodyLimits): Promise<string | BodyResult> {
  if (request.body === null) return ''
  const reader = request.body.getReader()
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, deadlineMs, 'late')))
  const decoder = new TextDecoder()
  let received = 0
  let text = ''
  try {
    for (;;) {
      const chunk = await Promise.race([reader.read(), late])
      if (chunk === 'late') {
        reader.cancel().catch(() => undefined)
        return { ok: false, status: 408, code: -32000, reason: `Request Timeout: the body did not arrive within ${deadlineMs} ms`, headers: CLOSE }
      }
      if (chunk.done) return text + decoder.decode()
      received += chunk.value.byteLength
      if (received > maxBytes) {
        reader.cancel().catch(() => undefined)
        return tooLarge(maxBytes)
      }
      text += decoder.decode(chunk.value, { stream: true })
    }
  } catch (error) {
    // The client went away mid-body: nobody reads this answer, but it must not be a 500 and a stack trace.
    return { ok: false, status: 400, code: -32000, reason: `Bad Request: the body could not be read (${error instanceof Error ? error.message : String(error)})`, headers: CLOSE }
  } finally {
    clearTimeout(timer)
  }
}
