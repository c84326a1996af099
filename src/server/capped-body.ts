// A request body read with a cap counted as it arrives: Bun's own cap is the server's largest (Claude Code's hooks),
// so a route with a smaller bound refuses past it without holding the rest, chunked bodies (no Content-Length) included.
import { PayloadTooLarge } from './errors'

/** The body's bytes, or PayloadTooLarge as soon as more than `maxBytes` have arrived. */
export async function cappedBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array()
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let received = 0
  for (;;) {
    const chunk = await reader.read()
    if (chunk.done) return Buffer.concat(chunks, received)
    received += chunk.value.byteLength
    if (received > maxBytes) {
      reader.cancel().catch(() => undefined)
      throw new PayloadTooLarge(`body over ${maxBytes} bytes`)
    }
    chunks.push(chunk.value)
  }
}

export const cappedText = async (request: Request, maxBytes: number): Promise<string> => new TextDecoder().decode(await cappedBytes(request, maxBytes))
