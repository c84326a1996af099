// Tokens and their cost: an agent's per-model usage, or a sum of many, priced by the table (USD per million tokens).
import type { ModelUsage } from '../machines/agent.machine'
import type { PriceTable } from '../protocol/prices'

export interface UsageView {
  input: number
  output: number
  /** every token reported (input, output, and any not split) */
  total: number
  /** USD, to the nano-dollar; of the priced tokens only */
  cost_usd: number
  /** tokens no price applies to: a model missing from the table, or a total not split into input and output */
  unpriced: number
}

export const NO_USAGE: UsageView = { input: 0, output: 0, total: 0, cost_usd: 0, unpriced: 0 }

/** Sums of tokens per model (null: unnamed), kept exactly: integers only, priced when shown. */
export type UsageSums = Map<string | null, { input: number; output: number; total: number }>

/** Add (sign 1) or take away (sign -1) one agent's usage. */
export function addToSums(sums: UsageSums, usage: readonly ModelUsage[], sign: 1 | -1): void {
  for (const u of usage) {
    const before = sums.get(u.model) ?? { input: 0, output: 0, total: 0 }
    const after = { input: before.input + sign * u.input, output: before.output + sign * u.output, total: before.total + sign * u.total }
    if (after.total === 0) sums.delete(u.model)
    else sums.set(u.model, after)
  }
}

/** Usage per model (an agent's, or a sum) priced: an unknown model costs nothing and counts as unpriced. */
export function priceUsage(usage: Iterable<Pick<ModelUsage, 'model' | 'input' | 'output' | 'total'>>, prices: PriceTable): UsageView {
  let input = 0
  let output = 0
  let total = 0
  let microUsd = 0
  let unpriced = 0
  for (const u of usage) {
    input += u.input
    output += u.output
    total += u.total
    const price = u.model === null ? undefined : prices.get(u.model)
    if (!price) unpriced += u.total
    else {
      microUsd += u.input * price.input + u.output * price.output
      unpriced += u.total - u.input - u.output
    }
  }
  return { input, output, total, cost_usd: Math.round(microUsd * 1000) / 1e9, unpriced }
}

/** The usage sums as the entries priceUsage reads. */
export const sumEntries = (sums: UsageSums) => [...sums].map(([model, s]) => ({ model, ...s }))

/** "950 tok", "12.3k tok", "4.1M tok" */
export function compactTokens(n: number): string {
  if (n < 1000) return `${n} tok`
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k tok`
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M tok`
}

/** "$0.04", "$12.30", "<$0.01" */
export function compactUsd(usd: number): string {
  if (usd === 0) return '$0'
  if (usd < 0.01) return '<$0.01'
  return `$${usd.toFixed(2)}`
}

/** One line for a badge or a summary: "12.3k tok · $0.04" ("$0.04+" when some tokens have no price); no cost when none has. */
export function usageText(u: UsageView): string {
  if (u.total === 0) return ''
  const cost = u.total > u.unpriced ? ` · ${compactUsd(u.cost_usd)}${u.unpriced ? '+' : ''}` : ''
  return `${compactTokens(u.total)}${cost}`
}

/** The long form, for a title: what the compact one leaves out. */
export function usageTitle(u: UsageView): string {
  // Short: every badge carries it, and a busy flush sends every working agent's badge to every client.
  const parts = [`${u.total} tokens: ${u.input} in, ${u.output} out`]
  if (u.total > u.unpriced) parts.push(`$${u.cost_usd.toFixed(6)}`)
  if (u.unpriced) parts.push(`${u.unpriced} unpriced (see SWITCHBOARD_PRICES)`)
  return parts.join('; ')
}
