// One agent's reporter: lifecycle, tool and model events with its ids filled in, and ask().
import { makeEvent, MAX_DURATION_MS, newEventId, type Category, type Event } from '../protocol/event.ts'
import { MAX_STEP_TEXT, MAX_TEXT } from '../protocol/limits.ts'
import type { Answer } from '../protocol/form.ts'
import type { AnswerFor, ApprovalOptions, AskOptions, FormOptions } from './ask.ts'

export interface AgentOptions {
  /** the run (graph) this agent belongs to; links it to the graph's progress bar */
  graph_id?: string
  /** display name on the card; defaults to the agent_id */
  name?: string
  session_id?: string
}

/** Which step a call is: its own id (pairs its events; made up when left out) and the step it is part of. */
export interface StepLink {
  /** at most 200 characters; unique among the agent's open calls */
  call_id?: string
  /** the call_id of the step this call is part of (a tool a model call made, a sub-step) */
  parent_id?: string
}

/** A single model call, as reported when you already know its outcome. */
export interface ModelCall extends StepLink {
  model: string
  input_tokens?: number
  output_tokens?: number
  /** the total; input + output when left out */
  tokens?: number
  /** the prompt and the completion, as text (cut to MAX_STEP_TEXT characters) */
  input?: string
  output?: string
  duration_ms?: number
}

/** model(name, fn, options): what the step shows besides the tokens. */
export interface ModelOptions<T> extends StepLink {
  /** the prompt, as text */
  input?: string
  /** the completion as text, read from fn's result; by default a string result is the completion */
  output?: (result: T) => string | undefined
}

const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined)

/**
 * The token counts of a model call as the payload takes them: whole numbers only, and a total no
 * smaller than its parts (the server refuses one that is). Reads `{input_tokens, output_tokens, tokens}`,
 * or a `usage` as Anthropic (`input_tokens`, `output_tokens`) and OpenAI (`prompt_tokens`, `completion_tokens`, `total_tokens`) return it.
 */
export function tokenCounts(result: unknown): { input_tokens?: number; output_tokens?: number; tokens?: number } {
  if (typeof result !== 'object' || result === null) return {}
  const r = result as Record<string, unknown>
  const u = (typeof r.usage === 'object' && r.usage !== null ? r.usage : {}) as Record<string, unknown>
  const input = count(r.input_tokens) ?? count(u.input_tokens) ?? count(u.prompt_tokens)
  const output = count(r.output_tokens) ?? count(u.output_tokens) ?? count(u.completion_tokens)
  const total = count(r.tokens) ?? count(u.total_tokens)
  const out: { input_tokens?: number; output_tokens?: number; tokens?: number } = {}
  if (input !== undefined) out.input_tokens = input
  if (output !== undefined) out.output_tokens = output
  if (total !== undefined && total >= (input ?? 0) + (output ?? 0)) out.tokens = total
  return out
}

/** What an agent needs from its client: somewhere to put events, and the question round-trip. */
export interface AgentHost {
  emit(event: Event): void
  ask(agent: { agent_id: string; graph_id?: string }, question: string, opts?: AskOptions | ApprovalOptions | FormOptions): Promise<Answer>
}

// The dashboard shows a summary; a megabyte of tool output would only crowd the 1 MB ingest limit.
const MAX_VALUE_CHARS = 8_192

/** A JSON-safe, bounded copy of a value for a payload (functions, cycles and huge values become text). */
export function payloadValue(value: unknown): unknown {
  let json: string | undefined
  try {
    json = JSON.stringify(value)
  } catch (error) {
    return `[unserialisable: ${String(error)}]`
  }
  if (json === undefined) return String(value)
  return json.length <= MAX_VALUE_CHARS ? (JSON.parse(json) as unknown) : `${json.slice(0, MAX_VALUE_CHARS)}…`
}

/** Texts as the server takes them: longer would refuse the whole batch. */
const cutText = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`)
const errorText = (error: unknown) => cutText(error instanceof Error ? error.message || error.name : String(error), MAX_TEXT)
const linkOf = ({ call_id, parent_id }: StepLink, prefix: string) => ({ call_id: call_id ?? newEventId(prefix), ...(parent_id === undefined ? {} : { parent_id }) })
const texts = (fields: { input?: unknown; output?: unknown }) => {
  const out: { input?: string; output?: string } = {}
  if (typeof fields.input === 'string') out.input = cutText(fields.input, MAX_STEP_TEXT)
  if (typeof fields.output === 'string') out.output = cutText(fields.output, MAX_STEP_TEXT)
  return out
}
const durationOf = (ms: unknown) => (typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? { duration_ms: Math.min(MAX_DURATION_MS, Math.round(ms)) } : {})

export class Agent {
  constructor(readonly agent_id: string, private readonly opts: AgentOptions, private readonly host: AgentHost) {}

  started(): void {
    this.emit('agent', 'started', this.opts.name ? { name: this.opts.name } : {})
  }

  /**
   * Runs fn between tool:called and tool:completed (or tool:failed, rethrowing the error), both with one
   * call_id (made up unless given), so parallel calls of one tool pair right.
   */
  async tool<T>(tool: string, args: unknown, fn: () => T | Promise<T>, link: StepLink = {}): Promise<T> {
    const ids = linkOf(link, 'call')
    this.emit('tool', 'called', { tool, ...ids, args: payloadValue(args) })
    try {
      const result = await fn()
      this.emit('tool', 'completed', result === undefined ? { tool, ...ids } : { tool, ...ids, result: payloadValue(result) })
      return result
    } catch (error) {
      this.emit('tool', 'failed', { tool, ...ids, error: errorText(error) })
      throw error
    }
  }

  /**
   * model('name', fn, {input?, output?}): request, fn, response (token counts taken from fn's result: see
   * tokenCounts; the duration measured; a string result is the completion unless `output` reads it).
   * model({model, input_tokens?, output_tokens?, tokens?, input?, output?, duration_ms?}): a finished call.
   */
  model(call: ModelCall): void
  model<T>(model: string, fn?: () => T | Promise<T>, options?: ModelOptions<T>): Promise<T | undefined>
  model<T>(model: string | ModelCall, fn?: () => T | Promise<T>, options: ModelOptions<T> = {}): Promise<T | undefined> | void {
    if (typeof model !== 'string') return this.modelCall(model)
    if (!fn) return Promise.resolve(this.modelCall({ model, ...options, output: undefined }))
    return this.modelAround(model, fn, options)
  }

  completed(result?: unknown): void {
    this.emit('agent', 'completed', result === undefined ? {} : { result: payloadValue(result) })
  }

  failed(error: unknown): void {
    this.emit('agent', 'failed', { error: errorText(error) })
  }

  /**
   * Blocks on a person's answer; the card shows on every dashboard. Resolves to the text, to
   * `{approved, comment?}` with `kind: 'approval'`, or to the form's values with a `schema`.
   * Rejects with AskTimeout when timeoutS passes, AskCancelled when a person withdraws the question.
   */
  ask<O extends AskOptions | ApprovalOptions | FormOptions = AskOptions>(question: string, opts?: O): Promise<AnswerFor<O>> {
    return this.host.ask({ agent_id: this.agent_id, graph_id: this.opts.graph_id }, question, opts) as Promise<AnswerFor<O>>
  }

  private modelCall({ model, input, output, duration_ms, call_id, parent_id, ...counts }: ModelCall): undefined {
    const ids = linkOf({ call_id, parent_id }, 'model')
    this.emit('model', 'request', { model, ...ids, ...texts({ input }) })
    this.emit('model', 'response', { model, ...ids, ...tokenCounts(counts), ...texts({ output }), ...durationOf(duration_ms) })
    return undefined
  }

  private async modelAround<T>(model: string, fn: () => T | Promise<T>, { input, output, ...link }: ModelOptions<T>): Promise<T> {
    const ids = linkOf(link, 'model')
    this.emit('model', 'request', { model, ...ids, ...texts({ input }) })
    const started = performance.now()
    try {
      const result = await fn()
      const completion = output ? output(result) : typeof result === 'string' ? result : undefined
      this.emit('model', 'response', { model, ...ids, ...tokenCounts(result), ...texts({ output: completion }), ...durationOf(performance.now() - started) })
      return result
    } catch (error) {
      // The wire has no model:failed; a response carrying the error closes the call in the log.
      this.emit('model', 'response', { model, ...ids, error: errorText(error), ...durationOf(performance.now() - started) })
      throw error
    }
  }

  private emit(category: Category, action: string, payload: Record<string, unknown>): void {
    const { graph_id, session_id } = this.opts
    this.host.emit(makeEvent(category, action, { agent_id: this.agent_id, graph_id, session_id, payload }))
  }
}
