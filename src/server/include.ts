// The ?include= log filter: extra categories on top of the default agent + graph lifecycle.
import { CATEGORIES, type Category } from '../events/event'
import { Invalid } from '../coordinator/errors'
import { DEFAULT_LOG_CATEGORIES } from './ids'

export function parseInclude(raw: string | undefined): Category[] {
  const extra = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  for (const c of extra)
    if (!CATEGORIES.includes(c as Category)) throw new Invalid(`include: unknown category "${c}" (one of ${CATEGORIES.join(', ')})`)
  return [...new Set([...DEFAULT_LOG_CATEGORIES, ...(extra as Category[])])]
}
