// The run (graph) queries over the events table: the runs list's summaries and one run's events, its agents included.
import type { Database } from 'bun:sqlite'
import type { RunSummary } from '../protocol/runs'

type Row = { seq: number; body: string }

/** `kinds`: only these `category:action`; `newest`: the newest `limit` of them (still oldest first). */
export interface RunEventsOptions {
  kinds?: readonly string[]
  newest?: boolean
}

/** A run's agents: those its graph:started announced and those that named it themselves. `{graph}` narrows to one. */
const MEMBERS_SQL = `SELECT graph_id, agent_id FROM events WHERE graph_id IS NOT NULL AND agent_id IS NOT NULL {graph}
  UNION
  SELECT graph_id, json_extract(j.value, '$.agent_id') FROM events, json_each(events.body, '$.payload.agents') j
    WHERE category = 'graph' AND action = 'started' AND graph_id IS NOT NULL {graph}`

/**
 * Runs (graphs), newest first; or the one run `graphId`. Its agents are the ones the dashboard counts: those its
 * graph:started announced (an agent that never reported is still one of them) and those that named it themselves.
 */
export function runSummaries(db: Database, limit: number, graphId?: string): RunSummary[] {
  const only = graphId === undefined ? '' : 'AND e.graph_id = ?2'
  const sql = `WITH members AS (${MEMBERS_SQL.replaceAll('{graph}', graphId === undefined ? '' : 'AND graph_id = ?2')}),
      member_counts AS (SELECT graph_id, COUNT(*) AS n FROM members GROUP BY graph_id),
      -- as the run's page lists them: one per msg_id its agents asked, with or without the graph's id
      asked AS (SELECT m.graph_id, COUNT(DISTINCT COALESCE(json_extract(b.body, '$.payload.msg_id'), b.id)) AS n
        FROM members m JOIN events b ON b.agent_id = m.agent_id AND (b.graph_id = m.graph_id OR b.graph_id IS NULL)
        WHERE b.category = 'agent' AND b.action = 'blocked' GROUP BY m.graph_id)
    SELECT e.graph_id, MIN(e.at) AS started_at, MAX(e.at) AS last_at, COUNT(*) AS events,
      COALESCE(MAX(m.n), 0) AS agents,
      COALESCE(MAX(q.n), 0) AS questions,
      (SELECT action || ' ' || at FROM events ended WHERE ended.graph_id = e.graph_id AND ended.category = 'graph'
        AND ended.action IN ('completed', 'failed') ORDER BY ended.seq DESC LIMIT 1) AS ended
    FROM events e LEFT JOIN member_counts m ON m.graph_id = e.graph_id LEFT JOIN asked q ON q.graph_id = e.graph_id
    WHERE e.graph_id IS NOT NULL ${only} GROUP BY e.graph_id ORDER BY MIN(e.seq) DESC LIMIT ?1`
  type RunRow = Omit<RunSummary, 'status' | 'ended_at'> & { ended: string | null }
  const args: Array<string | number> = graphId === undefined ? [limit] : [limit, graphId]
  return db
    .query<RunRow, Array<string | number>>(sql)
    .all(...args)
    .map(({ ended, ...row }) => {
      const [status, at] = ended ? ended.split(' ') : ['running']
      return { ...row, status: status as RunSummary['status'], ended_at: at === undefined ? undefined : Number(at) }
    })
}

/**
 * A run's stored rows, oldest first, at most `limit`: those naming it, and those of its agents that name no graph (an
 * agent announced by a graph:started may report without its graph_id, and the dashboard counts it in the run).
 */
export function runEventRows(db: Database, graphId: string, limit: number, { kinds, newest = false }: RunEventsOptions = {}): Row[] {
  // numbered: ?1 and ?2 are the graph and the limit, wherever they appear
  const only = kinds?.length ? `AND category || ':' || action IN (${kinds.map((_, i) => `?${i + 3}`).join(',')})` : ''
  const sql = `WITH members AS (${MEMBERS_SQL.replaceAll('{graph}', 'AND graph_id = ?1')})
    SELECT seq, body FROM events WHERE graph_id = ?1 ${only}
    UNION ALL
    SELECT seq, body FROM events WHERE graph_id IS NULL AND agent_id IN (SELECT agent_id FROM members) ${only}
    ORDER BY seq ${newest ? 'DESC' : ''} LIMIT ?2`
  const rows = db.query<Row, Array<string | number>>(sql).all(graphId, limit, ...(kinds ?? []))
  return newest ? rows.reverse() : rows
}
