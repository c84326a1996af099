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

/** One `datastar-patch-elements` event as text; multi-line HTML becomes one `data: elements` line per line. */
export function patchElements({ html, selector, mode }: ElementPatch): string {
  const options: PatchElementsOptions = {}
  if (selector) options.selector = selector
  if (mode) options.mode = mode
  return lines.patchElements(html, options).join('')
}

/** One `datastar-patch-signals` event as text. */
export function patchSignals(signals: Record<string, unknown>): string {
  return lines.patchSignals(JSON.stringify(signals)).join('')
}

/** Remove every element matching a selector. */
export function removeElements(selector: string): string {
  return lines.patchElements('', { selector, mode: 'remove' }).join('')
}

/** SSE comment; keeps proxies and Bun's idle timeout from ending a quiet stream. */
export const heartbeat = (): string => `: heartbeat ${Date.now()}\n\n`

export const encodeFrame = (parts: readonly string[]): Uint8Array<ArrayBuffer> => encoder.encode(parts.join(''))
