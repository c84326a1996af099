// The ?include= log filter: extra categories on top of the default agent + graph lifecycle.
import { CATEGORIES, type Category } from '../../protocol/event'
import { Invalid } from '../../questions/errors'
import { DEFAULT_EVENT_CATEGORIES } from '../../view-model/derive'

export function parseInclude(raw: string | undefined): Category[] {
  const extra = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  for (const c of extra)
    if (!CATEGORIES.includes(c as Category)) throw new Invalid('include', `has an unknown category "${c}" (one of ${CATEGORIES.join(', ')})`)
  return [...new Set([...DEFAULT_EVENT_CATEGORIES, ...(extra as Category[])])]
}
