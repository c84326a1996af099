// One agent's reporter: lifecycle, tool and model events with its ids filled in, and ask().
import { makeEvent, type Category, type Event } from '../protocol/event.ts'
import type { Answer } from '../protocol/form.ts'
import type { AnswerFor, ApprovalOptions, AskOptions, FormOptions } from './ask.ts'

export interface AgentOptions {
  /** the run (graph) this agent belongs to; links it to the graph's progress bar */
  graph_id?: string
  /** display name on the card; defaults to the agent_id */
  name?: string
  session_id?: string
}

/** A single model call, as reported when you already know its outcome. */
export interface ModelCall {
  model: string
  input_tokens?: number
  output_tokens?: number
  /** the total; input + output when left out */
  tokens?: number
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

const errorText = (error: unknown) => (error instanceof Error ? error.message || error.name : String(error))

export class Agent {
  constructor(readonly agent_id: string, private readonly opts: AgentOptions, private readonly host: AgentHost) {}

  started(): void {
    this.emit('agent', 'started', this.opts.name ? { name: this.opts.name } : {})
  }

  /** Runs fn between tool:called and tool:completed (or tool:failed, rethrowing the error). */
  async tool<T>(tool: string, args: unknown, fn: () => T | Promise<T>): Promise<T> {
    this.emit('tool', 'called', { tool, args: payloadValue(args) })
    try {
      const result = await fn()
      this.emit('tool', 'completed', result === undefined ? { tool } : { tool, result: payloadValue(result) })
      return result
    } catch (error) {
      this.emit('tool', 'failed', { tool, error: errorText(error) })
      throw error
    }
  }

  /**
   * model('name', fn): request, fn, response (token counts taken from fn's result: see tokenCounts).
   * model({model, input_tokens?, output_tokens?, tokens?}): a finished call.
   */
  model(call: ModelCall): void
  model<T>(model: string, fn?: () => T | Promise<T>): Promise<T | undefined>
  model<T>(model: string | ModelCall, fn?: () => T | Promise<T>): Promise<T | undefined> | void {
    if (typeof model !== 'string') return this.modelCall(model)
    if (!fn) return Promise.resolve(this.modelCall({ model }))
    return this.modelAround(model, fn)
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

  private modelCall({ model, ...counts }: ModelCall): undefined {
    this.emit('model', 'request', { model })
    this.emit('model', 'response', { model, ...tokenCounts(counts) })
    return undefined
  }

  private async modelAround<T>(model: string, fn: () => T | Promise<T>): Promise<T> {
    this.emit('model', 'request', { model })
    try {
      const result = await fn()
      this.emit('model', 'response', { model, ...tokenCounts(result) })
      return result
    } catch (error) {
      // The wire has no model:failed; a response carrying the error closes the call in the log.
      this.emit('model', 'response', { model, error: errorText(error) })
      throw error
    }
  }

  private emit(category: Category, action: string, payload: Record<string, unknown>): void {
    const { graph_id, session_id } = this.opts
    this.host.emit(makeEvent(category, action, { agent_id: this.agent_id, graph_id, session_id, payload }))
  }
}
