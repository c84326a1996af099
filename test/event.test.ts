import { describe, expect, it } from 'bun:test'
import { makeEvent, validateEvent } from '../src/events/event'

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
  it('rejects ids over 200 characters or with control characters', () => {
    expect(failingField({ id: 'x'.repeat(201) })).toBe('id: must be at most 200 characters')
    expect(failingField({ agent_id: 'a\nb' })).toBe('agent_id: must not contain control characters')
    expect(failingField({ graph_id: 'g'.repeat(201) })).toStartWith('graph_id:')
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
