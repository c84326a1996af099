// The Vercel AI SDK: generateText with tool approvals (`toolApproval: { tool: 'user-approval' }`), each approval
// request an approval card on Switchboard, its answer sent back as a tool-approval-response (a denial's comment as its
// reason, which the model reads), called again until no approval is pending. `ai` is imported lazily (or passed in).
import { approvalOf, pauseId, type Asker } from './asker.ts'

interface ApprovalRequest {
  type: 'tool-approval-request'
  approvalId: string
  isAutomatic?: boolean
  reason?: string
  toolCall: { toolCallId?: string; toolName?: string; input?: unknown }
}
interface ResultLike {
  content: Array<{ type: string }>
  responseMessages: unknown[]
}
type Generate = (options: never) => Promise<unknown>

export interface AiSdkOptions {
  /** who asks: an agent of the SDK */
  switchboard: Asker
  /** the AI SDK's generateText (default: imported from 'ai') */
  generateText?: Generate
  /** seconds each approval card waits (default: until answered) */
  timeoutS?: number
}

/** `generateText(options)` with every tool approval asked on Switchboard; `prompt` is taken as the first user message. */
export async function generateWithSwitchboard<R extends ResultLike>(options: Record<string, unknown>, how: AiSdkOptions): Promise<R> {
  const generate = how.generateText ?? ((await import('ai' as string)) as { generateText: Generate }).generateText
  const { prompt, ...rest } = options
  const messages: unknown[] = [...((options.messages as unknown[] | undefined) ?? (prompt === undefined ? [] : [{ role: 'user', content: prompt }]))]
  for (;;) {
    const result = (await generate({ ...rest, messages } as never)) as R
    const requests = result.content.filter((p): p is ApprovalRequest => p.type === 'tool-approval-request' && !(p as ApprovalRequest).isAutomatic)
    if (!requests.length) return result
    messages.push(...result.responseMessages)
    const responses = []
    for (const request of requests) {
      const tool = request.toolCall.toolName ?? 'a tool'
      const answer = await how.switchboard.ask(`Allow ${tool}?`, {
        kind: 'approval',
        // The model's tool call id, not the approval id (made anew by each call): a retry finds the same card.
        msgId: pauseId(how.switchboard.agent_id, 'approval', request.toolCall.toolCallId ?? request.approvalId),
        details: { tool, input: request.toolCall.input, ...(request.reason ? { reason: request.reason } : {}) },
        ...(how.timeoutS === undefined ? {} : { timeoutS: how.timeoutS }),
      })
      const { approved, comment } = approvalOf(answer)
      responses.push({ type: 'tool-approval-response', approvalId: request.approvalId, approved, ...(comment ? { reason: comment } : {}) })
    }
    messages.push({ role: 'tool', content: responses })
  }
}
