// What a poll finds about one pending record: whether it still needs announcing (another process may have written
// it raw), and whether it has come due (an answer written straight into the inbox, or its deadline).
import type { QuestionCopy } from './question-copy'
import { announcedKey, pastDeadline, type QuestionRecord, type Settled } from './question-record'

export interface Found {
  record: QuestionRecord
  /** not announced yet: marked now, so that of several processes on the file one announces it */
  announce: boolean
  due?: Settled
}

export function pollFinds(copy: QuestionCopy, msgId: string, seen: QuestionRecord, now: number): Found | undefined {
  const { ws } = copy
  if (ws.get(announcedKey(msgId)) && !copy.response(msgId) && !pastDeadline(seen, now)) return undefined
  // Re-read under the write lock: another process on the same file may have got here first.
  return ws.transaction(() => {
    const record = copy.record(msgId)
    if (record?.status !== 'pending') return undefined
    const announce = !ws.get(announcedKey(msgId))
    if (announce) ws.set(announcedKey(msgId), now)
    const raw = copy.response(msgId)
    const due: Settled | undefined = raw ? { kind: 'answered', response: raw } : pastDeadline(record, now) ? { kind: 'timeout' } : undefined
    return { record, announce, due }
  })
}
