// A step of an agent's work as the steps index derives it from stored events, and how pages of them are asked for.
import type { PriceTable } from './prices.ts'

export const STEP_KINDS = ['tool', 'model', 'question', 'note'] as const
export type StepKind = (typeof STEP_KINDS)[number]
export type StepStatus = 'running' | 'ok' | 'error' | 'waiting' | 'answered' | 'timed_out' | 'withdrawn'

export interface Step {
  /** call_id when given, else the id of the event that opened it */
  step_id: string
  agent_id: string
  kind: StepKind
  /** tool name; model name (or 'model'); the question's text (cut to 200); the note's text cut to 200 */
  name: string
  status: StepStatus
  /** the agent's turn when it opened (1 for the first) */
  turn: number
  /** epoch ms */
  started_at: number
  ended_at?: number
  /** given by the producer, else ended_at - started_at */
  duration_ms?: number
  /** step_id of its parent step (OTLP spans) */
  parent_id?: string
  /** 0 at top level (set by the page query when nesting) */
  depth?: number
  /** tool args | model prompt | question {question, options, kind…} | note text */
  input?: unknown
  /** tool result | model completion | the answer */
  output?: unknown
  error?: string
  model?: string
  tokens_in?: number
  tokens_out?: number
  tokens?: number
  cost_usd?: number
  /** questions */
  answered_by?: string
  msg_id?: string
  truncated?: boolean
  /** seq of the opening event (paging key, stable) */
  seq: number
}

export interface StepPage {
  steps: Step[]
  /** steps matching the query, on every page */
  total: number
  /** opaque cursor of the next page; absent on the last */
  next?: string
}

export interface StepQuery {
  kinds?: StepKind[]
  errorsOnly?: boolean
  cursor?: string
  /** ≤ MAX_STEP_PAGE, default DEFAULT_STEP_PAGE */
  limit?: number
  /**
   * characters kept of each step's input and output in this page (a string cut with "…", other values
   * as their JSON text cut, and `truncated: true`); default: as stored, up to MAX_STEP_TEXT each
   */
  textLimit?: number
}

export const MAX_STEP_PAGE = 500
export const DEFAULT_STEP_PAGE = 100
/** characters of a question's or note's text kept as a step's name */
export const STEP_NAME_LENGTH = 200

/** A model step's cost by the price table; unpriced (unknown model, no tokens split) leaves it as it is. */
export function pricedStep(step: Step, prices: PriceTable): Step {
  const price = step.kind === 'model' && step.model !== undefined ? prices.get(step.model) : undefined
  if (!price || (step.tokens_in === undefined && step.tokens_out === undefined)) return step
  const micro = (step.tokens_in ?? 0) * price.input + (step.tokens_out ?? 0) * price.output
  return { ...step, cost_usd: Math.round(micro * 1000) / 1e9 }
}

/** A step query the index cannot answer, naming the field (the route answers it as a 400 on `query.<field>`). */
export class InvalidStepQuery extends Error {
  constructor(readonly field: string, readonly reason: string) {
    super(`${field} ${reason}`)
    this.name = 'InvalidStepQuery'
  }
}
