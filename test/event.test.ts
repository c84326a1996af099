import { describe, expect, it } from 'bun:test'
import { makeEvent, validateEvent } from '../src/protocol/event'

const good = { id: 'e1', timestamp: 1_700_000_000_000, category: 'agent', action: 'started', agent_id: 'a1', payload: {} }

function failingField(patch: Record<string, unknown>) {
  const r = validateEvent({ ...good, ...patch })
  if (r.ok) throw new Error('expected a validation failure')
  return `${r.field}: ${r.reason}`
}

describe('validateEvent', () => {
  it('accepts a well-formed event and keeps its fields', () => {
    const r = validateEvent(good)
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.event).toEqual(good as never)
  })
  it('accepts an ISO-8601 timestamp as epoch ms', () => {
    const r = validateEvent({ ...good, timestamp: '2026-11-25T10:00:00Z' })
    expect(r.ok && r.event.timestamp).toBe(Date.parse('2026-11-25T10:00:00Z'))
  })
  it('defaults a missing payload to an empty object', () => {
    const { payload: _, ...rest } = good
    const r = validateEvent(rest)
    expect(r.ok && r.event.payload).toEqual({})
  })
  it('rejects a missing or non-string id', () => {
    expect(failingField({ id: undefined })).toStartWith('id:')
    expect(failingField({ id: 42 })).toStartWith('id:')
  })
  it('rejects an unknown category', () => expect(failingField({ category: 'weather' })).toStartWith('category:'))
  it('rejects an action not valid for its category', () => {
    expect(failingField({ action: 'request' })).toStartWith('action:')
    expect(failingField({ category: 'tool', action: 'blocked' })).toContain('for category tool')
  })
  it('rejects a payload that is not an object', () => {
    expect(failingField({ payload: 'x' })).toStartWith('payload:')
    expect(failingField({ payload: [1] })).toStartWith('payload:')
  })
  it('rejects ids over 200 characters, with control or bidi-override characters, and . or ..', () => {
    const reason = 'must be a string of 1 to 200 characters without control or bidi-override characters, not . or ..'
    expect(failingField({ id: 'x'.repeat(201) })).toBe(`id: ${reason}`)
    expect(failingField({ agent_id: 'a\nb' })).toBe(`agent_id: ${reason}`)
    expect(failingField({ agent_id: 'a\rb' })).toBe(`agent_id: ${reason}`)
    expect(failingField({ agent_id: 'evil\u202eexe' })).toStartWith('agent_id:')
    expect(failingField({ agent_id: '.' })).toStartWith('agent_id:')
    expect(failingField({ agent_id: '..' })).toStartWith('agent_id:')
    // Regression: a lone surrogate was accepted, then every render (and every restart) died URL-encoding it.
    expect(failingField({ agent_id: 'x\ud800' })).toStartWith('agent_id:')
    expect(failingField({ agent_id: '\udc00' })).toStartWith('agent_id:')
    expect(validateEvent({ ...good, agent_id: 'emoji \ud83d\ude00 ok' }).ok).toBe(true)
    expect(failingField({ graph_id: 'g'.repeat(201) })).toStartWith('graph_id:')
  })
  it('accepts ids that are property names of plain objects, emoji and 200 characters', () => {
    for (const agent_id of ['constructor', '__proto__', 'toString', '-', '🦜', 'a'.repeat(200), '...'])
      expect(validateEvent({ ...good, agent_id }).ok).toBe(true)
  })
  it('accepts timestamps between 2000 and 2100 only', () => {
    for (const timestamp of [1e20, 8.64e15 + 1, 0, 1_000, '1970-01-01T00:00:00Z', '2200-01-01'])
      expect(failingField({ timestamp })).toStartWith('timestamp:')
  })
  it('checks payload shapes where the page shows them, naming the field', () => {
    expect(failingField({ action: 'failed', payload: { error: { toString: 1 } } })).toStartWith('payload.error:')
    expect(failingField({ action: 'started', payload: { name: ['x'] } })).toStartWith('payload.name:')
    expect(failingField({ action: 'blocked', payload: { question: 'q?', options: [{ toString: 1 }] } })).toStartWith('payload.options[0]:')
    expect(failingField({ action: 'blocked', payload: { question: 'x'.repeat(5_000) } })).toStartWith('payload.question:')
    expect(failingField({ action: 'blocked', payload: { question: 'q?', options: [1, 2] } })).toStartWith('payload.options[0]:')
    expect(failingField({ action: 'blocked', payload: { question: 'q?', options: Array(60).fill('o') } })).toStartWith('payload.options:')
    expect(failingField({ action: 'blocked', payload: { question: 'q?', timeout_s: 0 } })).toStartWith('payload.timeout_s:')
    expect(failingField({ action: 'blocked', payload: {} })).toStartWith('payload.question:')
    const roster = { category: 'graph', action: 'started', agent_id: undefined, graph_id: 'g' }
    expect(failingField({ ...roster, payload: { agents: [{ agent_id: 'a', depends_on: [{ x: 1 }] }] } })).toStartWith('payload.agents[0].depends_on[0]:')
    expect(failingField({ category: 'model', action: 'response', payload: { tokens: 1e300 } })).toStartWith('payload.tokens:')
  })
  it('refuses payloads nested deeper than 32 levels, however deep, without overflowing the stack', () => {
    let deep: unknown = {}
    for (let i = 0; i < 100_000; i++) deep = { d: deep }
    expect(failingField({ payload: deep as Record<string, unknown> })).toBe('payload: must not nest deeper than 32 levels')
  })
  it('rejects a timestamp that is neither epoch ms nor ISO-8601', () => {
    expect(failingField({ timestamp: 'yesterday' })).toStartWith('timestamp:')
    expect(failingField({ timestamp: -5 })).toStartWith('timestamp:')
    expect(failingField({ timestamp: undefined })).toStartWith('timestamp:')
  })
  it('rejects agent events without agent_id', () => {
    expect(failingField({ agent_id: undefined })).toBe('agent_id: is required for agent events')
  })
  it('allows tool events without agent_id', () => {
    expect(validateEvent({ ...good, category: 'tool', action: 'called', agent_id: undefined }).ok).toBe(true)
  })
  it('rejects a non-object event', () => expect(validateEvent('x')).toMatchObject({ ok: false, field: 'event' }))
})

describe('makeEvent', () => {
  it('builds valid events with unique ids', () => {
    const a = makeEvent('agent', 'started', { agent_id: 'a' })
    const b = makeEvent('agent', 'started', { agent_id: 'a' })
    expect(a.id).not.toBe(b.id)
    expect(validateEvent(a).ok).toBe(true)
  })
  it('throws naming the field on an invalid build', () => {
    expect(() => makeEvent('agent', 'started')).toThrow('agent_id is required for agent events')
  })
})
