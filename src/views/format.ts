// Small display helpers shared by the views: times and durations.

/** hh:mm:ss (UTC); a time no Date can hold shows as a dash rather than throwing. */
export function clock(ms: number): string {
  const date = new Date(ms)
  return Number.isNaN(date.getTime()) ? '--:--:--' : date.toISOString().slice(11, 19)
}

/** "4s", "2m 05s", "1h 02m": coarse enough to read at a glance. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
}
