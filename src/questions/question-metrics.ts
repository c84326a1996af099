// What the question service counts: questions asked, how they settled, how long an answer took.
import { metrics } from '../telemetry/metrics'
import type { QuestionRecord, Settled } from './question-record'

export const countAsked = (n = 1): void => metrics.questionsAsked.inc(n)

export function countSettled(record: QuestionRecord, s: Settled): void {
  metrics.questionsSettled.labels(s.kind).inc()
  // created_at is 0 for a record another process wrote without a usable one: no latency to tell.
  if (s.kind === 'answered' && record.created_at > 0 && s.response.responded_at >= record.created_at)
    metrics.answerLatency.observe((s.response.responded_at - record.created_at) / 1000)
}
