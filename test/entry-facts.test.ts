// What an inspector entry says an event carried: in words, every kind an agent sends, cut where long.
import { describe, expect, it } from 'bun:test'
import { eventFacts, FACT_CHARS } from '../src/inspector/entry-facts'
import { contextFacts } from '../src/inspector/context-facts'

const facts = (category: string, action: string, payload: Record<string, unknown> = {}, id = 'ev-1') => eventFacts({ id, category: category as never, action, payload })
const pairs = (f: ReturnType<typeof eventFacts>) => f?.facts.map((x) => [x.label, x.text])

describe('eventFacts', () => {
  it('says a resume without an answer is one, and why', () => {
    expect(facts('agent', 'resumed', { msg_id: 'q', timed_out: true })?.what).toBe('went on without an answer (timed out)')
    expect(facts('agent', 'resumed', { msg_id: 'q', cancelled: true })?.what).toBe('went on without an answer (withdrawn)')
    expect(pairs(facts('agent', 'resumed', { msg_id: 'q', answer: { approved: true } }))).toEqual([['answer', '{"approved":true}'], ['msg_id', 'q']])
  })

  it('names the msg_id a question asks under even when the payload gives none (the event id)', () => {
    expect(pairs(facts('agent', 'blocked', { question: 'Go?' }, 'ev-77'))).toEqual([['question', 'Go?'], ['msg_id', 'ev-77']])
  })

  it('gives a model’s tokens split, and the total only when it says more', () => {
    expect(pairs(facts('model', 'response', { input_tokens: 1200, output_tokens: 30 }))).toEqual([['tokens', '1,200 in · 30 out']])
    expect(pairs(facts('model', 'response', { tokens: 500 }))).toEqual([['tokens', '500 total']])
    expect(facts('model', 'request', {})?.what).toBe('asked the model')
  })

  it('cuts a value at FACT_CHARS and counts the rest; a value JSON cannot write does not throw', () => {
    const [cut] = facts('tool', 'completed', { tool: 't', result: 'r'.repeat(FACT_CHARS + 7) })!.facts
    expect(cut).toEqual({ label: 'result', text: 'r'.repeat(FACT_CHARS), cut: 7 })
    expect(facts('tool', 'called', { tool: 't', args: 10n })?.facts[0]?.text).toBe('10')
    expect(facts('tool', 'failed', {})?.what).toBe('a tool failed')
  })

  it('has nothing to say of graph and user events', () => {
    expect(facts('graph', 'started')).toBeUndefined()
    expect(facts('user', 'responded')).toBeUndefined()
  })
})

describe('contextFacts', () => {
  it('says in words what a state this build does not know is, and what an agent waits on without its text', () => {
    expect(contextFacts('elsewhere', {})[0]).toEqual({ label: 'state', text: 'elsewhere', cut: 0 })
    expect(contextFacts('blocked', { awaiting: 'q-9' }).find((f) => f.label === 'waiting on')?.text).toBe('a question (msg_id q-9); its text is not kept')
  })
})
