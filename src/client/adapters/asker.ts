// What an adapter needs of the SDK to put a framework's pause before a person: an agent that can ask (the SDK's Agent).
import type { Answer } from '../../protocol/form.ts'
import type { AskOptions, ApprovalOptions, FormOptions } from '../ask.ts'

export interface Asker {
  readonly agent_id: string
  ask(question: string, opts?: AskOptions | ApprovalOptions | FormOptions): Promise<Answer>
}

/** A stable msg_id for a pause: the same run, thread and pause id give the same card after a crash and retry. */
export const pauseId = (...parts: string[]): string => parts.map((p) => p.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '')).join(':').slice(0, 200)

/** An approval answer's parts, whatever shape it came in. */
export function approvalOf(answer: Answer): { approved: boolean; comment?: string } {
  if (typeof answer === 'object' && answer !== null && 'approved' in answer) {
    const a = answer as { approved?: unknown; comment?: unknown }
    return { approved: a.approved === true, ...(typeof a.comment === 'string' && a.comment ? { comment: a.comment } : {}) }
  }
  return { approved: false, comment: typeof answer === 'string' ? answer : undefined }
}
