// One step as a real agent reports it: a model call or a tool call, its two events paired by one call_id.
import type { Category } from '../protocol/event'
import { intBetween, token, type Rng } from './rng'
import type { ToolCall } from './tools'

export type Emit = (category: Category, action: string, payload: Record<string, unknown>) => void

/** What a demo agent narrates with: its events, its own rng, and the swarm's clock. */
export interface Voice {
  emit: Emit
  rng: Rng
  /** waits a drawn time divided by the swarm's speed; resolves with the drawn (simulated) milliseconds */
  pause(minMs: number, maxMs: number): Promise<number>
}

export const MODEL = 'claude-sonnet'

// Shaped like the Anthropic API's ids, so they read as what a real agent would send.
const callId = (rng: Rng, prefix: 'msg' | 'toolu') => `${prefix}_01${token(rng, 22)}`

export interface ModelText {
  input: string
  output?: string
  /** the API refused the call: no completion and no usage */
  error?: string
}

/** model:request with the prompt excerpt, then model:response with the completion, usage and the simulated duration. */
export async function modelCall(voice: Voice, text: ModelText): Promise<void> {
  const { emit, rng } = voice
  const call_id = callId(rng, 'msg')
  emit('model', 'request', { call_id, model: MODEL, input: text.input })
  const duration_ms = await voice.pause(1200, 3500)
  if (text.error !== undefined) {
    emit('model', 'response', { call_id, model: MODEL, duration_ms, error: text.error })
    return
  }
  // Usage is reported with the response, split as the model APIs report it.
  const input_tokens = intBetween(rng, 800, 6000)
  const output_tokens = intBetween(rng, 80, 1200)
  emit('model', 'response', { call_id, model: MODEL, input_tokens, output_tokens, tokens: input_tokens + output_tokens, duration_ms, output: text.output ?? '' })
}

/** tool:called with the arguments, then tool:completed with the result or tool:failed with the error. */
export async function toolCall(voice: Voice, call: ToolCall, minMs = 300, maxMs = 1800): Promise<void> {
  const { emit, rng } = voice
  const call_id = callId(rng, 'toolu')
  const { tool, args } = call
  emit('tool', 'called', { call_id, tool, args })
  await voice.pause(minMs, maxMs)
  if (call.error !== undefined) emit('tool', 'failed', { call_id, tool, args, error: call.error })
  else emit('tool', 'completed', { call_id, tool, args, result: call.result ?? {} })
}
