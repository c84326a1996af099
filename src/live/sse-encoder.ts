// Datastar 1.0 frames encoded with the official SDK, once, as shared bytes.
import { ServerSentEventGenerator } from '@starfederation/datastar-sdk/abstractServerSentEventGenerator'
import type { PatchElementsOptions } from '@starfederation/datastar-sdk/types'

/** The SDK's generator, used only for its encoding: `send` hands back the frame's lines. */
class FrameLines extends ServerSentEventGenerator<string[]> {
  constructor() {
    super()
  }
  protected override send(...args: Parameters<ServerSentEventGenerator['send']>): string[] {
    return super.send(...args) as string[]
  }
  close(): void {}
}

const lines = new FrameLines()
const encoder = new TextEncoder()

export type ElementPatch = { html: string; selector?: string; mode?: PatchElementsOptions['mode'] }

/**
 * The SDK splits lines on LF only, but a browser's EventSource parser ends a line at CR too: a bare
 * CR inside any string would start a line of its own (`data: selector …` injected by a question).
 * HTML treats CR and CRLF as LF anyway, so normalising loses nothing.
 */
const lf = (text: string) => text.replace(/\r\n?/g, '\n')

/** One `datastar-patch-elements` event as text; multi-line HTML becomes one `data: elements` line per line. */
export function patchElements({ html, selector, mode }: ElementPatch): string {
  const options: PatchElementsOptions = {}
  if (selector) options.selector = lf(selector)
  if (mode) options.mode = mode
  return lines.patchElements(lf(html), options).join('')
}

/** One `datastar-patch-signals` event as text. */
export function patchSignals(signals: Record<string, unknown>): string {
  return lines.patchSignals(JSON.stringify(signals)).join('')
}

/** Remove every element matching a selector. */
export function removeElements(selector: string): string {
  return lines.patchElements('', { selector: lf(selector), mode: 'remove' }).join('')
}

/** SSE comment; keeps proxies and Bun's idle timeout from ending a quiet stream. */
export const heartbeat = (): string => `: heartbeat ${Date.now()}\n\n`

export const encodeFrame = (parts: readonly string[]): Uint8Array<ArrayBuffer> => encoder.encode(parts.join(''))
