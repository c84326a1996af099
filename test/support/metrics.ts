// Scrape /metrics (over HTTP from a URL, or in-process from an app's handle) and read samples by series name (with its labels as printed).
import { expect } from 'bun:test'
import { req } from './http'

export async function scrape(from: string | ((request: Request) => Promise<Response>), headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = typeof from === 'string' ? await fetch(req(`${from}/metrics`, { headers })) : await from(req('/metrics', { headers }))
  expect(res.status).toBe(200)
  const samples = new Map<string, number>()
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue
    const cut = line.lastIndexOf(' ')
    samples.set(line.slice(0, cut), Number(line.slice(cut + 1)))
  }
  return samples
}

/** A sample's value; a series the scrape does not have fails the test rather than reading as 0. */
export function sample(samples: Map<string, number>, series: string): number {
  const value = samples.get(series)
  if (value === undefined) throw new Error(`no series ${series} in the scrape`)
  return value
}
