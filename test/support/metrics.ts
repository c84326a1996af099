// Scrape /metrics over HTTP and read samples by series name (with its labels as printed).
import { expect } from 'bun:test'

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, number>> {
  const res = await fetch(`${url}/metrics`, { headers })
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
