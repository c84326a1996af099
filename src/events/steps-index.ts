// The steps index: a table in the events database derived only from the stored events, written in their transaction.
import type { Database, Statement } from 'bun:sqlite'
import type { Event } from '../protocol/event'
import type { StepPage, StepQuery } from '../protocol/steps'
import { logger } from '../telemetry/log'
import { advanceTurn, deriveStep, MAX_OPEN, type AgentTrack, type StepChange, type StepRow } from './steps-derive'
import { pageSteps } from './steps-page'

/** Raise when what a step is derived as changes: an index of an older version is rebuilt at start. */
export const STEPS_VERSION = 2
/** agents whose pairing state is held in memory; the others are read back from the tables when they next report */
const MAX_TRACKS = 20_000
const REBUILD_CHUNK = 5_000
/** an agent's newest events looked through for its open calls when its pairing state is read back */
const OPEN_WINDOW = 5_000

/**
 * No index of its own by agent: an agent's steps are found through the events' (agent_id, seq) index, each
 * step keyed by the seq of the event that opened it. A second such index cost about a third of what
 * storing a step costs (measured in bench/README.md); only nested steps are indexed by agent, to tell
 * whether a page needs nesting at all.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS steps (
  seq INTEGER PRIMARY KEY,
  agent_id TEXT NOT NULL, step_id TEXT NOT NULL, call_id TEXT, kind TEXT NOT NULL, name TEXT NOT NULL,
  status TEXT NOT NULL, started INTEGER NOT NULL DEFAULT 0, turn INTEGER NOT NULL,
  started_at INTEGER NOT NULL, ended_at INTEGER, duration_ms INTEGER, parent_id TEXT,
  input TEXT, output TEXT, error TEXT, model TEXT, tokens_in INTEGER, tokens_out INTEGER, tokens INTEGER,
  answered_by TEXT, msg_id TEXT, truncated INTEGER NOT NULL DEFAULT 0
);
DROP INDEX IF EXISTS steps_agent;
DROP INDEX IF EXISTS steps_open;
CREATE INDEX IF NOT EXISTS steps_nested ON steps (agent_id) WHERE parent_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS step_turns (agent_id TEXT PRIMARY KEY, turn INTEGER NOT NULL, ended INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS step_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`

const COLUMNS = ['seq', 'agent_id', 'step_id', 'call_id', 'kind', 'name', 'status', 'started', 'turn', 'started_at', 'ended_at', 'duration_ms', 'parent_id', 'input', 'output', 'error', 'model', 'tokens_in', 'tokens_out', 'tokens', 'answered_by', 'msg_id', 'truncated'] as const

type Stored = { seq: number; event: Event }
type OpenRow = { seq: number; kind: 'tool' | 'model' | 'question'; call_id: string | null; name: string; model: string | null; started: number }
type Value = string | number | null

export class StepIndex {
  /** false in bench/scale.ts only, to measure ingest without the index beside ingest with it */
  enabled = true
  private readonly tracks = new Map<string, AgentTrack>()
  /** event id → its agent's turn, for the last batch recorded */
  private readonly batchTurns = new Map<string, number>()
  private readonly insertRow: Statement
  private readonly closeRow: Statement
  private readonly addInput: Statement
  private readonly saveTurn: Statement
  private readonly setMeta: Statement
  private readonly turnOf: Statement<{ turn: number; ended: number }, [string]>
  private readonly openOf: Statement<OpenRow, [string, number]>
  private readonly countOf: Statement<{ n: number }, [string]>

  constructor(private readonly db: Database) {
    const missing = !db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'steps'").get()
    db.exec(SCHEMA)
    this.insertRow = db.query(`INSERT OR REPLACE INTO steps (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`)
    // Null leaves what the opening event gave (a model's request names the model, the response the tokens).
    this.closeRow = db.query(`UPDATE steps SET status = ?1, ended_at = ?2, duration_ms = COALESCE(?3, duration_ms, MAX(0, ?2 - started_at)),
      output = COALESCE(?4, output), error = COALESCE(?5, error), model = COALESCE(?6, model), tokens_in = COALESCE(?7, tokens_in),
      tokens_out = COALESCE(?8, tokens_out), tokens = COALESCE(?9, tokens), answered_by = COALESCE(?10, answered_by),
      input = COALESCE(?11, input), truncated = MAX(truncated, ?12) WHERE seq = ?13`)
    this.addInput = db.query('UPDATE steps SET input = COALESCE(input, ?1), truncated = MAX(truncated, ?2) WHERE seq = ?3')
    this.saveTurn = db.query('INSERT INTO step_turns (agent_id, turn, ended) VALUES (?, ?, ?) ON CONFLICT(agent_id) DO UPDATE SET turn = excluded.turn, ended = excluded.ended')
    this.setMeta = db.query('INSERT INTO step_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
    this.turnOf = db.query('SELECT turn, ended FROM step_turns WHERE agent_id = ?')
    // Calls still open among the agent's last OPEN_WINDOW events: older ones are not waited for any more.
    this.openOf = db.query(`SELECT s.seq, s.kind, s.call_id, s.name, s.model, s.started
      FROM (SELECT seq FROM events WHERE agent_id = ? ORDER BY seq DESC LIMIT ${OPEN_WINDOW}) e CROSS JOIN steps s ON s.seq = e.seq
      WHERE s.status IN ('running', 'waiting') ORDER BY s.seq DESC LIMIT ?`)
    this.countOf = db.query('SELECT COUNT(*) AS n FROM events e CROSS JOIN steps s ON s.seq = e.seq WHERE e.agent_id = ?')
    this.catchUp(missing)
  }

  /** Index events just inserted, inside the transaction that inserted them. */
  record(stored: readonly Stored[]): void {
    if (!this.enabled || !stored.length) return
    this.batchTurns.clear()
    for (const s of stored) this.apply(s)
    this.setMeta.run('through', stored.at(-1)!.seq)
  }

  /** The transaction that recorded was rolled back: what memory holds of it goes too (the tables are the truth). */
  forget(): void {
    this.tracks.clear()
    this.batchTurns.clear()
  }

  page(agentId: string, query: StepQuery = {}): StepPage {
    return pageSteps(this.db, agentId, query)
  }

  /**
   * The agent's turn at this event, just recorded (the last batch's are kept: they are shown right after their
   * commit); else the turn its stored events reached. An actor re-created for it (it had left memory) goes on from it.
   */
  turnAt(e: { id: string; agent_id?: string }): number | undefined {
    const at = this.batchTurns.get(e.id)
    if (at !== undefined || e.agent_id === undefined) return at
    return this.tracks.get(e.agent_id)?.turn ?? this.turnOf.get(e.agent_id)?.turn
  }

  count(agentId: string): number {
    return this.countOf.get(agentId)?.n ?? 0
  }

  /** Derive the whole index again from the stored events (a new version, or on request), a chunk per transaction. */
  rebuild(): void {
    this.db.transaction(() => {
      this.db.exec('DELETE FROM steps; DELETE FROM step_turns; DELETE FROM step_meta')
      this.setMeta.run('through', 0)
    })()
    this.tracks.clear()
    this.indexFrom(0)
    this.setMeta.run('version', STEPS_VERSION)
  }

  /** Before events go (retention): their steps go too, in the same transaction. */
  pruning(seqs: string, args: Value[]): void {
    this.db.query(`DELETE FROM steps WHERE seq IN (${seqs})`).run(...args)
    this.tracks.clear()
  }

  private meta(key: string): number | undefined {
    return this.db.query<{ value: number }, [string]>('SELECT value FROM step_meta WHERE key = ?').get(key)?.value
  }

  /** At open: a missing or older index is rebuilt; one behind the events (written without it) catches up. */
  private catchUp(missing: boolean): void {
    const version = missing ? undefined : this.meta('version')
    if (version !== STEPS_VERSION) {
      const started = performance.now()
      this.rebuild()
      const ms = Math.round(performance.now() - started)
      if (version !== undefined || ms > 1_000) logger('events').info(`steps index ${version === undefined ? 'built' : `v${version} rebuilt`} from the stored events in ${ms} ms`)
      return
    }
    this.indexFrom(this.meta('through') ?? 0)
  }

  private indexFrom(after: number): void {
    const page = this.db.query<{ seq: number; body: string }, [number, number]>('SELECT seq, body FROM events WHERE seq > ? ORDER BY seq LIMIT ?')
    for (let from = after; ; ) {
      const rows = page.all(from, REBUILD_CHUNK)
      if (!rows.length) return
      const stored = rows.flatMap((r) => {
        try {
          return [{ seq: r.seq, event: JSON.parse(r.body) as Event }]
        } catch {
          return []
        }
      })
      this.db.transaction(() => {
        for (const s of stored) this.apply(s)
        this.setMeta.run('through', rows.at(-1)!.seq)
      })()
      from = rows.at(-1)!.seq
    }
  }

  private apply(stored: Stored): void {
    const agentId = stored.event.agent_id
    if (agentId === undefined || typeof stored.event.payload !== 'object' || stored.event.payload === null) return
    const track = this.track(agentId)
    if (advanceTurn(track, `${stored.event.category}:${stored.event.action}`, stored.event.payload.late === true)) this.saveTurn.run(agentId, track.turn, track.ended ? 1 : 0)
    this.batchTurns.set(stored.event.id, track.turn)
    const change = deriveStep(stored, track)
    if (change) this.write(change)
  }

  private write(change: StepChange): void {
    if ('insert' in change) {
      const row: StepRow = change.insert
      this.insertRow.run(...COLUMNS.map((c) => row[c]))
    } else if ('close' in change) {
      const c = change.close
      this.closeRow.run(c.status, c.ended_at, c.duration_ms, c.output, c.error, c.model, c.tokens_in, c.tokens_out, c.tokens, c.answered_by, c.input, c.truncated, c.seq)
    } else this.addInput.run(change.input.input, change.input.truncated, change.input.seq)
  }

  /**
   * The agent's pairing state, from memory or read back from the tables; past MAX_TRACKS the one held
   * longest goes (not the least recently used: moving each agent to the back of the Map on every event
   * cost more than reading a forgotten one back).
   */
  private track(agentId: string): AgentTrack {
    let track = this.tracks.get(agentId)
    if (!track) {
      const turn = this.turnOf.get(agentId)
      // No turn yet: no activity, so no open call either (a swarm's new agents skip the search).
      const open = turn ? this.openOf.all(agentId, MAX_OPEN).reverse() : []
      track = {
        turn: turn?.turn ?? 0,
        ended: turn?.ended === 1,
        open: open.map((o) => ({ seq: o.seq, kind: o.kind, call_id: o.call_id ?? undefined, key: (o.kind === 'model' ? o.model : o.name) ?? undefined, started: o.started === 1 })),
      }
      if (this.tracks.size >= MAX_TRACKS) this.tracks.delete(this.tracks.keys().next().value!)
      this.tracks.set(agentId, track)
    }
    return track
  }
}
