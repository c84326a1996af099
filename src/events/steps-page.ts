// One page of an agent's steps from the index: oldest first, each child right after its parent, filtered, by cursor.
import type { Database } from 'bun:sqlite'
import { DEFAULT_STEP_PAGE, InvalidStepQuery, MAX_STEP_PAGE, STEP_KINDS, type Step, type StepPage, type StepQuery } from '../protocol/steps'
import type { StepRow } from './steps-derive'

type Value = string | number
/** An agent's steps through the events' (agent_id, seq) index (steps-index.ts says why). */
const FROM = 'FROM events e CROSS JOIN steps s ON s.seq = e.seq'

const CURSOR = /^s([0-9a-z]{1,11})$/
/** The cursor after a step: its seq, which never changes (a step is keyed by the event that opened it). */
export const stepCursor = (seq: number) => `s${seq.toString(36)}`

function cursorSeq(cursor: string | undefined): number {
  if (cursor === undefined || cursor === '') return 0
  const m = typeof cursor === 'string' ? CURSOR.exec(cursor) : null
  const seq = m ? parseInt(m[1]!, 36) : NaN
  if (!Number.isSafeInteger(seq)) throw new InvalidStepQuery('cursor', 'must be the `next` of an earlier page')
  return seq
}

function limitOf(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_STEP_PAGE
  if (typeof limit !== 'number' || !Number.isFinite(limit) || limit < 1) throw new InvalidStepQuery('limit', `must be a number of steps from 1 to ${MAX_STEP_PAGE}`)
  return Math.min(MAX_STEP_PAGE, Math.floor(limit))
}

/** The WHERE of a query: the agent, and the kinds and errors asked for. */
function filterOf(agentId: string, q: StepQuery): { where: string; args: Value[] } {
  const where = ['e.agent_id = ?']
  const args: Value[] = [agentId]
  if (q.kinds !== undefined) {
    if (!Array.isArray(q.kinds) || q.kinds.some((k) => !(STEP_KINDS as readonly string[]).includes(k)))
      throw new InvalidStepQuery('kinds', `must be some of ${STEP_KINDS.join(', ')}`)
    if (q.kinds.length) (where.push(`s.kind IN (${q.kinds.map(() => '?').join(', ')})`), args.push(...q.kinds))
  }
  if (q.errorsOnly) where.push("s.status = 'error'")
  return { where: where.join(' AND '), args }
}

function textLimitOf(limit: number | undefined): number {
  if (limit === undefined) return Infinity
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw new InvalidStepQuery('textLimit', 'must be a whole number of characters, at least 1')
  return limit
}

/** A stored value (JSON text) as shown: cut past `max` characters, and whether it was. */
function shown(json: string, max: number): [unknown, boolean] {
  const value: unknown = JSON.parse(json)
  if (json.length <= max) return [value, false]
  const text = typeof value === 'string' ? value : json
  return text.length <= max ? [value, false] : [`${text.slice(0, max)}…`, true]
}

/** A row as a Step: JSON columns parsed (and cut to `textLimit`), empty columns left out. */
export function toStep(row: StepRow, depth?: number, textLimit = Infinity): Step {
  const step: Record<string, unknown> = {}
  let cut = row.truncated === 1
  for (const [key, value] of Object.entries(row)) {
    if (value === null || key === 'call_id' || key === 'started' || key === 'truncated') continue
    if (key !== 'input' && key !== 'output') step[key] = value
    else {
      const [v, wasCut] = shown(value as string, textLimit)
      step[key] = v
      cut ||= wasCut
    }
  }
  if (cut) step.truncated = true
  if (depth !== undefined) step.depth = depth
  return step as unknown as Step
}

type Node = { seq: number; step_id: string; parent_id: string | null }

/**
 * The steps in page order: roots by seq, each followed by its children (by seq), depth first. A
 * parent is the first step of the same id among those shown; a step whose parent is not among them,
 * or that sits in a loop of parents, is a root.
 */
export function treeOrder(nodes: readonly Node[]): Array<{ seq: number; depth: number }> {
  const byId = new Map<string, Node>()
  for (const n of nodes) if (!byId.has(n.step_id)) byId.set(n.step_id, n)
  const children = new Map<number, Node[]>()
  const roots: Node[] = []
  for (const n of nodes) {
    const parent = n.parent_id === null ? undefined : byId.get(n.parent_id)
    if (!parent || parent === n) roots.push(n)
    else {
      const kids = children.get(parent.seq)
      if (kids) kids.push(n)
      else children.set(parent.seq, [n])
    }
  }
  const out: Array<{ seq: number; depth: number }> = []
  const seen = new Set<number>()
  const walk = (root: Node) => {
    const stack: Array<[Node, number]> = [[root, 0]]
    while (stack.length) {
      const [n, depth] = stack.pop()!
      if (seen.has(n.seq)) continue
      seen.add(n.seq)
      out.push({ seq: n.seq, depth })
      const kids = children.get(n.seq) ?? []
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i]!, depth + 1])
    }
  }
  for (const r of roots) walk(r)
  // Steps only reachable through a loop of parents: shown anyway, each where it comes.
  if (seen.size < nodes.length) for (const n of nodes) if (!seen.has(n.seq)) walk(n)
  return out
}

export function pageSteps(db: Database, agentId: string, q: StepQuery): StepPage {
  const after = cursorSeq(q.cursor)
  const limit = limitOf(q.limit)
  const textLimit = textLimitOf(q.textLimit)
  const { where, args } = filterOf(agentId, q)
  const nested = db.query<{ one: number }, [string]>('SELECT 1 AS one FROM steps WHERE agent_id = ? AND parent_id IS NOT NULL LIMIT 1').get(agentId)
  if (!nested) {
    // No step of this agent has a parent: page order is seq order, and SQLite pages it by the index.
    const total = db.query<{ n: number }, Value[]>(`SELECT COUNT(*) AS n ${FROM} WHERE ${where}`).get(...args)?.n ?? 0
    const rows = db.query<StepRow, Value[]>(`SELECT s.* ${FROM} WHERE ${where} AND e.seq > ? ORDER BY e.seq LIMIT ?`).all(...args, after, limit + 1)
    const steps = rows.slice(0, limit).map((r) => toStep(r, 0, textLimit))
    return rows.length > limit ? { steps, total, next: stepCursor(steps.at(-1)!.seq) } : { steps, total }
  }
  const nodes = db.query<Node, Value[]>(`SELECT s.seq, s.step_id, s.parent_id ${FROM} WHERE ${where} ORDER BY e.seq`).all(...args)
  const order = treeOrder(nodes)
  let start = 0
  if (after > 0) {
    const at = order.findIndex((o) => o.seq === after)
    // The step the cursor names went (retention): go on from the first root after it.
    start = at !== -1 ? at + 1 : Math.max(0, order.findIndex((o) => o.depth === 0 && o.seq > after))
    if (at === -1 && !order.some((o) => o.depth === 0 && o.seq > after)) start = order.length
  }
  const slice = order.slice(start, start + limit)
  const rows = db.query<StepRow, [string]>('SELECT * FROM steps WHERE seq IN (SELECT value FROM json_each(?))').all(JSON.stringify(slice.map((o) => o.seq)))
  const bySeq = new Map(rows.map((r) => [r.seq, r]))
  const steps = slice.flatMap((o) => {
    const row = bySeq.get(o.seq)
    return row ? [toStep(row, o.depth, textLimit)] : []
  })
  const more = start + limit < order.length
  return more && steps.length ? { steps, total: order.length, next: stepCursor(steps.at(-1)!.seq) } : { steps, total: order.length }
}
