// A run (one graph) as the stored events tell it: what /runs lists.

/** One graph's run, as the stored events tell it. */
export interface RunSummary {
  graph_id: string
  /** running, completed or failed: the last graph:completed / graph:failed, if any */
  status: 'running' | 'completed' | 'failed'
  agents: number
  questions: number
  started_at: number
  /** when graph:completed or graph:failed came, if it did */
  ended_at: number | undefined
  last_at: number
  events: number
}
