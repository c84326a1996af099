// Claude Code hook inputs as its hooks reference and its CLI's schemas describe them: the common fields, then each event's own.
import type { PendingQuestion } from '../../src/questions/question-record'
import type { QuestionService } from '../../src/questions/question-service'

export const SESSION = '5c9a1c7e-3f0b-4d8e-9a51-0b7c2d1e4f60'
export const CWD = '/home/ada/projects/switchboard'

export function hookInput(hook_event_name: string, fields: Record<string, unknown> = {}, session_id = SESSION): Record<string, unknown> {
  return {
    session_id,
    transcript_path: `/home/ada/.claude/projects/-home-ada-projects-switchboard/${session_id}.jsonl`,
    cwd: CWD,
    permission_mode: 'default',
    hook_event_name,
    ...fields,
  }
}

/** Resolves once `pick` finds something in the pending questions (checked on every change); fails after 10 s. */
export function whenPending<T>(questions: QuestionService, what: string, pick: (pending: PendingQuestion[]) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error(`still waiting for ${what}`))), 10_000)
    const check = () => {
      const found = pick(questions.pending())
      if (found === undefined) return
      off()
      clearTimeout(timer)
      resolve(found)
    }
    const off = questions.onChange(check)
    check()
  })
}
