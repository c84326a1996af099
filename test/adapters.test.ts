// The SDK's framework adapters with the real packages, offline: LangGraph.js (interrupt / Command), @openai/agents
// (needsApproval / interruptions) and the Vercel AI SDK (toolApproval): each pause a card on a real Switchboard, answered through its HTTP API; a crash
// and retry finds the same card.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Annotation, END, interrupt, MemorySaver, START, StateGraph } from '@langchain/langgraph'
import { Agent, run, tool, Usage } from '@openai/agents'
import { z } from 'zod'
import { connect, type SwitchboardClient } from '../src/client/index'
import { runWithSwitchboard as runGraph } from '../src/client/adapters/langgraph'
import { runWithSwitchboard as runAgent } from '../src/client/adapters/openai-agents'
import { generateWithSwitchboard } from '../src/client/adapters/ai-sdk'
import { generateText, stepCountIs, tool as aiTool } from 'ai'
import { MockLanguageModelV4 } from 'ai/test'
import { post, until } from './support/http'
import { startTestServer, type TestServer } from './support/server'

let s: TestServer
let sb: SwitchboardClient
beforeAll(async () => {
  s = await startTestServer()
  sb = connect({ url: s.url, flushMs: 5 })
})
afterAll(async () => {
  await sb.close()
  await s.stop()
})

/** The pending questions of an agent, oldest first, once there are `n`. */
async function cards(agentId: string, n = 1): Promise<Array<{ msg_id: string; question: string; kind: string; details?: unknown }>> {
  return until(`${n} card(s) for ${agentId}`, () => {
    const mine = s.questions.pending().filter((q) => q.agent_id === agentId)
    return mine.length >= n ? mine : undefined
  })
}
const answer = async (agentId: string, msgId: string, value: unknown) => expect((await fetch(post(`${s.url}/agent/${encodeURIComponent(agentId)}/respond`, { msg_id: msgId, answer: value }))).status).toBe(200)

describe('LangGraph.js: runWithSwitchboard(graph, input, { threadId, switchboard })', () => {
  const State = Annotation.Root({ plan: Annotation<string>(), approved: Annotation<boolean>(), region: Annotation<string>() })
  const build = () =>
    new StateGraph(State)
      .addNode('ask', () => ({ approved: (interrupt({ question: 'Deploy 4812?', kind: 'approval' }) as { approved: boolean }).approved }))
      .addNode('where', () => ({ region: interrupt('Which region?') as string }))
      .addEdge(START, 'ask')
      .addEdge(START, 'where')
      .addEdge('ask', END)
      .addEdge('where', END)
      .compile({ checkpointer: new MemorySaver() })

  it('asks each interrupt as a card (two at once, resumed by id) and returns the final state', async () => {
    const agent = sb.agent('lg-deployer')
    const done = runGraph(build(), { plan: 'ship' }, { threadId: 't-1', switchboard: agent })
    const two = await cards('lg-deployer', 2)
    const approval = two.find((q) => q.kind === 'approval')!
    const text = two.find((q) => q.kind !== 'approval')!
    expect([approval.question, text.question]).toEqual(['Deploy 4812?', 'Which region?'])
    await answer('lg-deployer', approval.msg_id, { approved: true })
    await answer('lg-deployer', text.msg_id, 'eu-west-1')
    expect(await done).toMatchObject({ approved: true, region: 'eu-west-1' })
  })

  it('after a crash while it waited, the same thread finds the same cards and goes on with their answers', async () => {
    const graph = build()
    const crashing = sb.agent('lg-crashy')
    const abort = new AbortController()
    const crashed = runGraph(graph, { plan: 'ship' }, { threadId: 't-2', switchboard: { agent_id: crashing.agent_id, ask: (q, o) => crashing.ask(q, { ...o, signal: abort.signal }) } }).catch((e) => e)
    const before = await cards('lg-crashy', 2)
    abort.abort()
    expect(await crashed).toBeInstanceOf(Error)
    const again = runGraph(graph, { plan: 'ship' }, { threadId: 't-2', switchboard: sb.agent('lg-crashy') })
    const after = await cards('lg-crashy', 2)
    expect(after.map((q) => q.msg_id).sort()).toEqual(before.map((q) => q.msg_id).sort())
    for (const q of after) await answer('lg-crashy', q.msg_id, q.kind === 'approval' ? { approved: false, comment: 'not today' } : 'us-east-1')
    expect(await again).toMatchObject({ approved: false, region: 'us-east-1' })
  })
})

/** A Model answering from a script; `seen` keeps what each call was given (to read a rejection's text). */
function scripted(outputs: unknown[][], seen: unknown[] = []) {
  let at = 0
  return {
    async getResponse(request: unknown) {
      seen.push(request)
      return { usage: new Usage({ requests: 1, inputTokens: 3, outputTokens: 2, totalTokens: 5 }), output: outputs[Math.min(at++, outputs.length - 1)]!, responseId: `r${at}` } as never
    },
    async *getStreamedResponse() {
      throw new Error('not scripted')
    },
  }
}
const call = { type: 'function_call', callId: 'call-refund-1', name: 'refund', arguments: '{"order":"A-17","amount":40}', status: 'completed' }
const say = (text: string) => ({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text }] })

describe('@openai/agents: runWithSwitchboard(agent, input, { switchboard })', () => {
  const refunds: string[] = []
  const make = (seen?: unknown[]) =>
    new Agent({
      name: 'Refunds',
      instructions: 'Refund.',
      model: scripted([[call], [say('Done.')]], seen) as never,
      tools: [tool({ name: 'refund', description: 'Refund an order', parameters: z.object({ order: z.string(), amount: z.number() }), needsApproval: true, execute: async ({ order }) => (refunds.push(order), `refunded ${order}`) })],
    })

  it('asks each needsApproval call as an approval card with its arguments; approved, the tool runs and the run ends', async () => {
    const agent = sb.agent('oa-refunds')
    const done = runAgent(make(), 'Refund A-17', { switchboard: agent, run })
    const [card] = await cards('oa-refunds')
    expect(card).toMatchObject({ question: 'Allow refund?', kind: 'approval', details: { tool: 'refund', arguments: { order: 'A-17', amount: 40 } } })
    await answer('oa-refunds', card!.msg_id, { approved: true })
    expect(((await done) as { finalOutput?: unknown }).finalOutput).toBe('Done.')
    expect(refunds).toEqual(['A-17'])
  })

  it('denied, the tool does not run and the model reads the comment; a retry after a crash finds the same card', async () => {
    const crashing = sb.agent('oa-denied')
    const abort = new AbortController()
    const crashed = runAgent(make(), 'Refund A-17', { switchboard: { agent_id: crashing.agent_id, ask: (q, o) => crashing.ask(q, { ...o, signal: abort.signal }) }, run }).catch((e) => e)
    const [first] = await cards('oa-denied')
    abort.abort()
    expect(await crashed).toBeInstanceOf(Error)
    const seen: unknown[] = []
    const again = runAgent(make(seen), 'Refund A-17', { switchboard: sb.agent('oa-denied'), run })
    const [card] = await cards('oa-denied')
    expect(card!.msg_id).toBe(first!.msg_id)
    await answer('oa-denied', card!.msg_id, { approved: false, comment: 'over the limit, ask finance' })
    await again
    expect(refunds).toEqual(['A-17'])
    expect(JSON.stringify(seen.at(-1))).toContain('over the limit, ask finance')
  })
})

describe('the Vercel AI SDK: generateWithSwitchboard({ model, tools, toolApproval, prompt }, { switchboard })', () => {
  const usage = { inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: 2, text: 2, reasoning: undefined } }
  const deleted: string[] = []
  const options = () => {
    const prompts: unknown[] = []
    const model = new MockLanguageModelV4({
      doGenerate: async (call) => {
        prompts.push(call.prompt)
        const last = JSON.stringify(call.prompt.at(-1))
        const decided = last.includes('tool-result') || last.includes('execution-denied')
        return (decided
          ? { content: [{ type: 'text', text: 'Done.' }], finishReason: { unified: 'stop', raw: undefined }, usage, warnings: [] }
          : { content: [{ type: 'tool-call', toolCallId: 'call-rm-1', toolName: 'removeFile', input: '{"path":"old.log"}' }], finishReason: { unified: 'tool-calls', raw: undefined }, usage, warnings: [] }) as never
      },
    })
    const removeFile = aiTool({ description: 'Remove a file', inputSchema: z.object({ path: z.string() }), execute: async ({ path }) => (deleted.push(path), `removed ${path}`) })
    return { prompts, options: { model, tools: { removeFile }, toolApproval: { removeFile: 'user-approval' }, stopWhen: stepCountIs(3), prompt: 'Remove the old log' } }
  }

  it('asks each approval request as a card; approved, the tool runs and the text comes back', async () => {
    const { options: o } = options()
    const done = generateWithSwitchboard(o, { switchboard: sb.agent('ai-cleaner'), generateText })
    const [card] = await cards('ai-cleaner')
    expect(card).toMatchObject({ question: 'Allow removeFile?', kind: 'approval', details: { tool: 'removeFile', input: { path: 'old.log' } } })
    await answer('ai-cleaner', card!.msg_id, { approved: true })
    expect(((await done) as unknown as { text: string }).text).toBe('Done.')
    expect(deleted).toEqual(['old.log'])
  })

  it('denied, the tool does not run and the model reads the comment', async () => {
    const { options: o, prompts } = options()
    const done = generateWithSwitchboard(o, { switchboard: sb.agent('ai-denied'), generateText })
    const [card] = await cards('ai-denied')
    await answer('ai-denied', card!.msg_id, { approved: false, comment: 'keep it for the audit' })
    await done
    expect(deleted).toEqual(['old.log'])
    expect(JSON.stringify(prompts.at(-1))).toContain('keep it for the audit')
  })
})
