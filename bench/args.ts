// Command-line flags of the bench scripts: `--name=value`, with typed defaults.
const argv = Bun.argv.slice(2)

export function flag(name: string): string | undefined {
  const hit = argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))
  if (hit === undefined) return undefined
  return hit.includes('=') ? hit.slice(hit.indexOf('=') + 1) : ''
}

export function intFlag(name: string, fallback: number): number {
  const raw = flag(name)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${raw}`)
  return n
}

export function listFlag(name: string, fallback: number[]): number[] {
  const raw = flag(name)
  if (raw === undefined) return fallback
  return raw.split(',').map((part) => {
    const n = Number(part)
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes positive integers, got ${part}`)
    return n
  })
}

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const now = () => performance.timeOrigin + performance.now()
