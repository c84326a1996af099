// The Remora bridge against a stand-in `remora serve` on a real port: events, a human-input card, the answer sent back, restarts.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { remoraStandIn, type RemoraStandIn } from './support/remora-stand-in'
import { haveRedis, startRedis } from './support/redis'
import { startTestServer, type TestServer } from './support/server'
import { post, until } from './support/http'

let remora: RemoraStandIn
let s: TestServer
beforeAll(async () => {
  remora = remoraStandIn()
  s = await startTestServer({ remora: { url: remora.url, retryMs: 20 } })
  await until('the bridge to connect', () => remora.clients() === 1)
})
afterAll(async () => {
  await s.stop()
  await remora.stop()
})

const seconds = () => Date.now() / 1000
const G = 'graph-7'
const snapshot = async () => (await (await fetch(`${s.url}/api/snapshot`)).json()) as {
  agents: Array<{ agent_id: string; name: string; state: string; tool_calls: number; model_calls: number }>
  blocked: Array<{ agent_id: string; msg_id: string; question: string; options: string[] }>
  events: Array<{ agent_id?: string; category: string; action: string; timestamp: number; payload: Record<string, unknown> }>
}
const stored = (agentId: string) => s.store.query({ agent_id: agentId, after: 0, limit: 100 }).map((x) => `${x.event.category}:${x.event.action}`)

describe('Remora bridge', () => {
  it("shows Remora's agent, tool and model events, timestamps in seconds read as ms", async () => {
    const t = seconds()
    remora.emit('AgentStartEvent', 'agent', { graph_id: G, agent_id: 'lint', node_name: 'Lint utils', timestamp: t })
    remora.emit('ToolCallEvent', 'tool', { graph_id: G, agent_id: 'lint', tool_name: 'ruff', arguments: { path: 'src' }, timestamp: t + 0.1 })
    remora.emit('ToolResultEvent', 'tool', { graph_id: G, agent_id: 'lint', tool_name: 'ruff', output: '3 fixed', is_error: false, timestamp: t + 0.2 })
    remora.emit('ModelRequestEvent', 'model', { graph_id: G, agent_id: 'lint', model: 'qwen', timestamp: t + 0.3 })
    remora.emit('ModelResponseEvent', 'model', { graph_id: G, agent_id: 'lint', model: 'qwen', prompt_tokens: 40, completion_tokens: 2, timestamp: t + 0.4 })
    remora.emit('KernelStartEvent', 'kernel', { graph_id: G, timestamp: t + 0.5 })
    remora.emit('AgentCompleteEvent', 'agent', { graph_id: G, agent_id: 'lint', result_summary: 'clean', response: 'all good', timestamp: t + 0.6 })
    await until('the agent to complete', () => stored('lint').includes('agent:completed'))
    const { agents, events } = await snapshot()
    expect(agents.find((a) => a.agent_id === 'lint')).toMatchObject({ name: 'Lint utils', state: 'done', tool_calls: 1, model_calls: 1 })
    expect(stored('lint')).toEqual(['agent:started', 'tool:called', 'tool:completed', 'model:request', 'model:response', 'agent:completed'])
    const started = events.find((e) => e.agent_id === 'lint' && e.action === 'started')!
    expect(started.timestamp).toBe(Math.round(t * 1000))
    expect(events.find((e) => e.agent_id === 'lint' && e.action === 'response')!.payload).toEqual({ model: 'qwen', tokens: 42, input_tokens: 40, output_tokens: 2 })
  })

  it('a HumanInputRequestEvent is a card; answering it POSTs {request_id, response} to /input', async () => {
    remora.emit('AgentStartEvent', 'agent', { graph_id: G, agent_id: 'docs', node_name: 'Docs', timestamp: seconds() })
    remora.emit('HumanInputRequestEvent', 'human', { graph_id: G, agent_id: 'docs', request_id: 'req-1', question: 'Which docstring style?', options: ['google', 'numpy'], timestamp: seconds() })
    const card = await until('the card', () => s.questions.pending().find((q) => q.agent_id === 'docs'))
    expect(card).toMatchObject({ question: 'Which docstring style?', options: ['google', 'numpy'], kind: 'options' })
    expect((await snapshot()).blocked.map((b) => b.agent_id)).toContain('docs')
    const res = await fetch(post(`${s.url}/agent/docs/respond`, { msg_id: card.msg_id, answer: 'numpy' }))
    expect(res.status).toBe(200)
    await until('Remora to get the answer', () => remora.inputs.length === 1)
    expect(remora.inputs).toEqual([{ request_id: 'req-1', response: 'numpy' }])
  })

  it('a question answered in Remora itself leaves the page without being sent back', async () => {
    remora.emit('HumanInputRequestEvent', 'human', { graph_id: G, agent_id: 'docs', request_id: 'req-2', question: 'Go on?', options: null, timestamp: seconds() })
    await until('the card', () => s.questions.pending().find((q) => q.msg_id === 'remora:req-2'))
    remora.emit('HumanInputResponseEvent', 'human', { request_id: 'req-2', response: 'yes', timestamp: seconds() })
    await until('the card to go', () => !s.questions.pending().some((q) => q.msg_id === 'remora:req-2'))
    expect(s.questions.status('remora:req-2')).toMatchObject({ status: 'answered', answer: 'yes', answered_by: 'Remora' })
    expect(remora.inputs.map((i) => i.request_id)).not.toContain('req-2')
  })

  it('reconnects after Remora restarts, and what it sends again is neither a second event nor a second card', async () => {
    remora.emit('AgentStartEvent', 'agent', { graph_id: G, agent_id: 'tests', node_name: 'Tests', timestamp: seconds() })
    remora.emit('HumanInputRequestEvent', 'human', { graph_id: G, agent_id: 'tests', request_id: 'req-3', question: 'Skip flaky?', options: ['yes', 'no'], timestamp: seconds() })
    await until('the card', () => s.questions.pending().find((q) => q.msg_id === 'remora:req-3'))
    // Group commit: what was published is stored by the next tick.
    await s.bus.persisted()
    const before = s.store.lastSeq()
    await remora.stop()
    remora.start({ replay: true })
    await until('the bridge to reconnect', () => remora.clients() === 1)
    remora.emit('AgentErrorEvent', 'agent', { graph_id: G, agent_id: 'lint-2', error: 'boom', timestamp: seconds() })
    await until('the event after the restart', () => s.store.query({ agent_id: 'lint-2', after: 0, limit: 10 }).length === 1)
    // Everything before the restart came again: only the new event was added.
    const added = s.store.query({ after: before, limit: 1000 }).map((x) => `${x.event.agent_id} ${x.event.category}:${x.event.action}`)
    expect(added).toEqual(['lint-2 agent:failed'])
    expect(s.questions.pending().filter((q) => q.msg_id === 'remora:req-3')).toHaveLength(1)
    expect(stored('tests')).toEqual(['agent:started', 'agent:blocked'])
  })

  it('an answer given while Remora is down is sent once it is back', async () => {
    await remora.stop()
    const res = await fetch(post(`${s.url}/agent/tests/respond`, { msg_id: 'remora:req-3', answer: 'no' }))
    expect(res.status).toBe(200)
    remora.start()
    await until('Remora to get the answer', () => remora.inputs.find((i) => i.request_id === 'req-3'))
    expect(remora.inputs.filter((i) => i.request_id === 'req-3')).toEqual([{ request_id: 'req-3', response: 'no' }])
  })
})

describe.skipIf(!haveRedis)('Remora bridge on one of several instances', () => {
  it('an answer from Remora is decided in Redis like any other: one that comes second changes nothing', async () => {
    const redis = await startRedis()
    const stand = remoraStandIn()
    const a = await startTestServer({ redisUrl: redis.url, remora: { url: stand.url, retryMs: 20 } })
    const client = new Bun.RedisClient(redis.url)
    try {
      await until('the bridge to connect', () => stand.clients() === 1)
      stand.emit('HumanInputRequestEvent', 'human', { graph_id: G, agent_id: 'docs', request_id: 'req-r', question: 'Go on?', options: null, timestamp: seconds() })
      await until('the card', () => a.questions.pending().find((q) => q.msg_id === 'remora:req-r'))
      // Answered on another instance first, as far as Redis knows (this instance has not heard yet).
      const key = 'switchboard:outbox:question:remora:req-r'
      await until('the record in Redis', async () => (await client.get(key)) !== null)
      await client.set(key, JSON.stringify({ ...JSON.parse((await client.get(key))!), status: 'answered' }))
      await client.set('switchboard:inbox:response:remora:req-r', JSON.stringify({ answer: 'no', responded_at: Date.now(), answered_by: 'ann' }))
      stand.emit('HumanInputResponseEvent', 'human', { request_id: 'req-r', response: 'yes', timestamp: seconds() })
      await until('the card to go', () => !a.questions.pending().some((q) => q.msg_id === 'remora:req-r'))
      expect(a.questions.status('remora:req-r')).toMatchObject({ status: 'answered', answer: 'no', answered_by: 'ann' })
      // The agent is told through the shared stream and the group commit: stored a moment after the card goes.
      const told = () => a.store.query({ agent_id: 'docs', kind: 'agent:resumed', after: 0, limit: 10 }).map((x) => x.event.payload.answer)
      await until('the agent told', () => told().length > 0)
      expect(told()).toEqual(['no'])
    } finally {
      client.close()
      await a.stop()
      await stand.stop()
      await redis.stop()
    }
  })
})
