// @openai/agents: run an agent whose tools need approval (`needsApproval`), each interruption an approval card on
// Switchboard, approved or rejected (the person's comment as the rejection text the model reads), until it finishes.
// The framework is imported lazily (or passed in): this module costs nothing to those who do not use it.
import { approvalOf, pauseId, type Asker } from './asker.ts'

interface ApprovalItem {
  name?: string
  arguments?: string
  rawItem: { callId?: string; id?: string; name?: string }
}
interface RunResultLike {
  interruptions?: ApprovalItem[]
  state: { approve(item: never): void; reject(item: never, options?: { message?: string }): void }
}
type RunFn = (agent: never, input: never, options?: never) => Promise<unknown>

export interface OpenAIAgentsOptions {
  /** who asks: an agent of the SDK (`sb.agent('refunds')`) */
  switchboard: Asker
  /** @openai/agents' `run` (default: imported from '@openai/agents') */
  run?: RunFn
  /** passed to each `run` call (context, maxTurns, …) */
  runOptions?: Record<string, unknown>
  /** seconds each approval card waits (default: until answered) */
  timeoutS?: number
}

/** `run(agent, input)` with every tool approval asked on Switchboard: one line for the caller. */
export async function runWithSwitchboard<R extends RunResultLike>(agent: unknown, input: unknown, options: OpenAIAgentsOptions): Promise<R> {
  const run = options.run ?? ((await import('@openai/agents' as string)) as { run: RunFn }).run
  let result = (await run(agent as never, input as never, options.runOptions as never)) as R
  while (result.interruptions?.length) {
    for (const item of result.interruptions) {
      const tool = item.name ?? item.rawItem.name ?? 'a tool'
      const callId = item.rawItem.callId ?? item.rawItem.id ?? tool
      const answer = await options.switchboard.ask(`Allow ${tool}?`, {
        kind: 'approval',
        msgId: pauseId(options.switchboard.agent_id, 'approval', callId),
        details: { tool, arguments: parsed(item.arguments) },
        ...(options.timeoutS === undefined ? {} : { timeoutS: options.timeoutS }),
      })
      const { approved, comment } = approvalOf(answer)
      if (approved) result.state.approve(item as never)
      else result.state.reject(item as never, comment ? { message: comment } : undefined)
    }
    result = (await run(agent as never, result.state as never, options.runOptions as never)) as R
  }
  return result
}

function parsed(args: string | undefined): unknown {
  if (args === undefined) return undefined
  try {
    return JSON.parse(args)
  } catch {
    return args
  }
}
