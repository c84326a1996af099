// A restart loses nothing the page showed: SIGTERM or kill -9 in the middle of a run, the same
// snapshot after it (agents, states and counts, results, graph counts, cards, log with payloads),
// and ids sent again count as duplicates.
import { afterEach, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { running, start, tempDir, type Started } from './support/process'
import { post } from './support/http'

afterEach(() => {
  for (const s of running.splice(0)) s.proc.kill('SIGKILL')
})

const T0 = 1_764_057_600_000
let n = 0
const ev = (category: string, action: string, fields: Record<string, unknown> = {}) => ({
  id: `rs-${++n}`,
  timestamp: T0 + n * 1_000,
  category,
  action,
  payload: {},
  ...fields,
})

/** The first half of a run: six agents announced, some working, one done, one failed, one asking. */
function firstHalf() {
  const agents = ['scan', 'lint', 'docs', 'test', '__proto__', 'report'].map((agent_id) => ({ agent_id, name: `Agent ${agent_id}` }))
  const g = { graph_id: 'run-a' }
  return [
    ev('graph', 'started', { ...g, payload: { agents } }),
    ev('agent', 'started', { ...g, agent_id: 'scan' }),
    // More than the bus keeps in memory (200): only the store can bring these back.
    ...Array.from({ length: 400 }, (_, i) => ev('tool', 'called', { ...g, agent_id: 'scan', payload: { tool: `grep-${i}` } })),
    ev('tool', 'called', { ...g, agent_id: 'scan', payload: { tool: 'ripgrep', args: { pattern: 'def ' } } }),
    ev('tool', 'completed', { ...g, agent_id: 'scan', payload: { tool: 'ripgrep', result: '146 functions' } }),
    ev('model', 'request', { ...g, agent_id: 'scan', payload: { model: 'm', tokens: 900 } }),
    ev('agent', 'completed', { ...g, agent_id: 'scan', payload: { result: 'Indexed 38 files' } }),
    ev('agent', 'started', { ...g, agent_id: 'lint' }),
    ev('tool', 'called', { ...g, agent_id: 'lint', payload: { tool: 'ruff' } }),
    ev('agent', 'failed', { ...g, agent_id: 'lint', payload: { error: 'ruff crashed' } }),
    ev('agent', 'started', { ...g, agent_id: 'docs' }),
    ev('agent', 'blocked', { ...g, agent_id: 'docs', payload: { msg_id: 'style', question: 'Which docstring style?', options: ['google', 'numpy'] } }),
    ev('agent', 'started', { ...g, agent_id: '__proto__' }),
    ev('tool', 'started', { ...g, agent_id: '__proto__', payload: { tool: 'pytest' } }),
  ]
}


async function snapshot(s: Started) {
  const snap = (await (await fetch(`${s.url}/api/snapshot`)).json()) as Record<string, unknown>
  return snap
}

describe('a restart in the middle of a run', () => {
  for (const how of ['SIGTERM', 'SIGKILL'] as const)
    it(`shows the same snapshot after ${how === 'SIGTERM' ? 'SIGTERM' : 'kill -9'}, and counts re-sent ids as duplicates`, async () => {
      const db = join(tempDir(), 's.db')
      const first = await start({ SWITCHBOARD_DB: db })
      const batch = firstHalf()
      expect(((await (await fetch(post(`${first.url}/api/events`, batch))).json()) as { accepted: number }).accepted).toBe(batch.length)
      // Answered through the page's route: the answer and the agent's resumption are part of what must survive.
      const answered = await fetch(post(`${first.url}/agent/docs/respond`, { msg_id: 'style', answer: 'numpy' }))
      expect(answered.status).toBe(200)
      const more = [
        ev('agent', 'started', { graph_id: 'run-a', agent_id: 'test' }),
        ev('agent', 'blocked', { graph_id: 'run-a', agent_id: 'test', payload: { msg_id: 'flaky', question: 'Retry the flaky test?' } }),
      ]
      expect((await fetch(post(`${first.url}/api/events`, more))).status).toBe(202)
      const before = await snapshot(first)
      first.proc.kill(how)
      await first.proc.exited
      const second = await start({ SWITCHBOARD_DB: db })
      const after = await snapshot(second)
      // quiet_for is "silent for how long, now": the one field that moves with the clock.
      const still = (agents: unknown) => (agents as Array<Record<string, unknown>>).map(({ quiet_for: _q, ...a }) => a)
      expect(still(after.agents)).toEqual(still(before.agents))
      expect(after.blocked).toEqual(before.blocked)
      expect(after.graphs).toEqual(before.graphs)
      expect(after.results).toEqual(before.results)
      expect(after.events).toEqual(before.events)
      expect((after.agents as unknown[]).length).toBe(6)
      expect((after.agents as Array<{ agent_id: string; tool_calls: number }>).find((a) => a.agent_id === 'scan')!.tool_calls).toBe(401)
      expect((after.events as Array<{ payload: unknown }>).some((e) => JSON.stringify(e.payload).includes('146 functions'))).toBe(true)
      // The inspector's sequences come back too: the restored actors were replayed with it attached.
      const inspector = await (await fetch(`${second.url}/inspect/scan`)).text()
      expect(inspector).toContain('AGENT_COMPLETED')
      const again = (await (await fetch(post(`${second.url}/api/events`, [...batch, ...more]))).json()) as { accepted: number; duplicates: number; ignored: number }
      expect(again).toEqual({ accepted: 0, duplicates: batch.length + more.length, ignored: 0 })
    }, 30_000)
})
