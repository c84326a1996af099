// LangGraph.js: run a compiled graph on a thread, each `interrupt()` it reaches a question on Switchboard, resumed with
// `Command({ resume })` (a map by interrupt id when several wait at once) until it ends. The msg_id comes from the
// thread and the interrupt id, so a process that crashed and runs the thread again finds the same card (and its answer).
import { pauseId, type Asker } from './asker.ts'

interface InterruptLike {
  id?: string
  value?: unknown
}
interface GraphLike {
  invoke(input: unknown, config: { configurable: { thread_id: string } } & Record<string, unknown>): Promise<unknown>
  getState?(config: { configurable: { thread_id: string } }): Promise<{ tasks?: Array<{ interrupts?: InterruptLike[] }> }>
}
type CommandCtor = new (params: { resume: unknown }) => unknown

export interface LangGraphOptions {
  /** the thread (the graph needs a checkpointer) */
  threadId: string
  /** who asks: an agent of the SDK */
  switchboard: Asker
  /** @langchain/langgraph's Command (default: imported from '@langchain/langgraph') */
  Command?: CommandCtor
  /** more of the run's config (recursionLimit, callbacks, …) */
  config?: Record<string, unknown>
  /** seconds each card waits (default: until answered) */
  timeoutS?: number
}

/**
 * What an interrupt asks: its value as the question when it is text; an object may say `{question, kind?, options?,
 * schema?, context?, details?}` (the question API's fields); anything else is shown as details.
 */
function questionOf(value: unknown): { question: string; opts: Record<string, unknown> } {
  if (typeof value === 'string' && value.trim()) return { question: value, opts: {} }
  if (typeof value === 'object' && value !== null && typeof (value as { question?: unknown }).question === 'string') {
    const { question, kind, options, schema, context, details } = value as Record<string, unknown>
    return { question: question as string, opts: Object.fromEntries(Object.entries({ kind, options, schema, context, details }).filter(([, v]) => v !== undefined)) }
  }
  return { question: 'The graph is waiting for you', opts: { details: value } }
}

/** Runs the graph to its end, every interrupt answered by a person; returns its final state. */
export async function runWithSwitchboard(graph: GraphLike, input: unknown, options: LangGraphOptions): Promise<unknown> {
  const Command = options.Command ?? ((await import('@langchain/langgraph' as string)) as { Command: CommandCtor }).Command
  const config = { ...options.config, configurable: { ...(options.config?.configurable as object), thread_id: options.threadId } }
  // A thread already waiting (a process that crashed while it waited): wait on the same interrupts, not a new run.
  const waiting = ((await graph.getState?.(config))?.tasks ?? []).flatMap((t) => t.interrupts ?? [])
  let result: unknown = waiting.length ? { __interrupt__: waiting } : await graph.invoke(input, config)
  for (;;) {
    const pending = interruptsOf(result)
    if (!pending.length) return result
    const answers = await Promise.all(
      pending.map(async (it, n) => {
        const { question, opts } = questionOf(it.value)
        const msgId = pauseId(options.switchboard.agent_id, options.threadId, it.id ?? String(n))
        const answer = await options.switchboard.ask(question, { ...opts, msgId, ...(options.timeoutS === undefined ? {} : { timeoutS: options.timeoutS }) } as never)
        return [it.id, answer] as const
      }),
    )
    const resume = answers.length === 1 || answers.some(([id]) => id === undefined) ? answers[0]![1] : Object.fromEntries(answers)
    result = await graph.invoke(new Command({ resume }), config)
  }
}

function interruptsOf(result: unknown): InterruptLike[] {
  const list = typeof result === 'object' && result !== null ? (result as Record<string, unknown>).__interrupt__ : undefined
  return Array.isArray(list) ? (list as InterruptLike[]) : []
}
