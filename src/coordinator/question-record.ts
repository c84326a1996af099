// The question and response records of the workspace layout, and validation of what callers ask.
import { MAX_ID_LENGTH } from '../events/event'
import { Invalid } from './errors'

export type QuestionState = 'pending' | 'answered' | 'timeout'
export interface QuestionRecord {
  agent_id: string
  question: string
  options: string[]
  status: QuestionState
  created_at: number
  timeout_s?: number
  graph_id?: string
}
export interface ResponseRecord {
  answer: string
  responded_at: number
}
export interface AskInput {
  agent_id: string
  question: string
  options?: string[]
  timeout_s?: number
  msg_id?: string
  graph_id?: string
}
export type QuestionStatus = Omit<QuestionRecord, 'graph_id'> & { answer?: string; responded_at?: number }
export type AnswerResult = ResponseRecord | { timed_out: true }
export const questionKey = (msgId: string) => `outbox:question:${msgId}`
export const responseKey = (msgId: string) => `inbox:response:${msgId}`
export const announcedKey = (msgId: string) => `announced:${msgId}`

const MAX_TEXT = 4096
const MAX_OPTIONS = 20
const MAX_TIMEOUT_S = 86_400
const CONTROL = /[\u0000-\u001f\u007f]/

export function checkId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) throw new Invalid(`${field} must be a non-empty string`)
  if (value.length > MAX_ID_LENGTH) throw new Invalid(`${field} must be at most ${MAX_ID_LENGTH} characters`)
  if (CONTROL.test(value)) throw new Invalid(`${field} must not contain control characters`)
  return value
}

export function checkText(field: string, value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : ''
  if (text.length === 0) throw new Invalid(`${field} must be a non-empty string`)
  if (text.length > MAX_TEXT) throw new Invalid(`${field} must be at most ${MAX_TEXT} characters`)
  return text
}

export function checkOptions(value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > MAX_OPTIONS) throw new Invalid(`options must be an array of at most ${MAX_OPTIONS} strings`)
  return value.map((o, i) => checkText(`options[${i}]`, o))
}

export function checkTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > MAX_TIMEOUT_S)
    throw new Invalid(`timeout_s must be a positive number of at most ${MAX_TIMEOUT_S}`)
  return value
}

/** A new pending record from caller input, or Invalid naming the first bad field. */
export function recordFromInput(input: AskInput, createdAt: number): { msgId: string; record: QuestionRecord } {
  const record: QuestionRecord = {
    agent_id: checkId('agent_id', input.agent_id),
    question: checkText('question', input.question),
    options: checkOptions(input.options),
    status: 'pending',
    created_at: createdAt,
  }
  const timeout = checkTimeout(input.timeout_s)
  if (timeout !== undefined) record.timeout_s = timeout
  if (input.graph_id !== undefined) record.graph_id = checkId('graph_id', input.graph_id)
  const msgId = input.msg_id === undefined ? crypto.randomUUID() : checkId('msg_id', input.msg_id)
  return { msgId, record }
}

export const sameQuestion = (a: QuestionRecord, b: QuestionRecord) =>
  a.agent_id === b.agent_id &&
  a.question === b.question &&
  JSON.stringify(a.options) === JSON.stringify(b.options) &&
  a.timeout_s === b.timeout_s

/** Records written by other processes are trusted only this far; options default to none. */
export function asRecord(value: unknown): QuestionRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const r = value as Partial<QuestionRecord>
  if (typeof r.agent_id !== 'string' || typeof r.question !== 'string') return undefined
  if (r.status !== 'pending' && r.status !== 'answered' && r.status !== 'timeout') return undefined
  const options = Array.isArray(r.options) ? r.options.filter((o): o is string => typeof o === 'string') : []
  return { ...r, options, created_at: typeof r.created_at === 'number' ? r.created_at : 0 } as QuestionRecord
}
