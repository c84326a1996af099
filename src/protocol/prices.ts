// The price table (SWITCHBOARD_PRICES): USD per million tokens, in and out, by model name.
import { Type as T } from '@sinclair/typebox'
import { firstFailure } from './schema.ts'

export interface Price {
  /** USD per 1,000,000 input tokens */
  input: number
  /** USD per 1,000,000 output tokens */
  output: number
}

/** By model name; a Map, since a model may be called anything (`__proto__` included). */
export type PriceTable = ReadonlyMap<string, Price>

const USD = T.Number({ minimum: 0, maximum: 1e6, error: 'must be a price in USD per million tokens, from 0 to 1000000' })
const PriceSchema = T.Object({ input: USD, output: USD }, { additionalProperties: false, error: 'must be {"input": USD, "output": USD} (per million tokens)' })
/** Far more models than anyone prices; a bound so a mistaken file cannot fill the memory. */
export const MAX_PRICED_MODELS = 1000

/** A parsed JSON value as a price table, or the first thing wrong with it (`["gpt-x"].input must be …`). */
export function toPriceTable(json: unknown): { ok: true; prices: PriceTable } | { ok: false; reason: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'must be a JSON object of model name → {"input", "output"}' }
  const entries = Object.entries(json)
  if (entries.length > MAX_PRICED_MODELS) return { ok: false, reason: `must price at most ${MAX_PRICED_MODELS} models` }
  for (const [model, price] of entries) {
    if (model.length === 0 || model.length > 200) return { ok: false, reason: 'model names must be 1 to 200 characters' }
    const problem = firstFailure(PriceSchema, price, JSON.stringify(model))
    if (problem) return { ok: false, reason: `${problem.field} ${problem.reason}` }
  }
  return { ok: true, prices: new Map(entries as Array<[string, Price]>) }
}
