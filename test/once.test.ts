// The one "once per incident" helper: a line when a problem begins, none for its repeats, a new one after it ended.
import { resetSync } from '@logtape/logtape'
import { afterEach, describe, expect, it } from 'bun:test'
import { configureLogs, logger } from '../src/telemetry/log'
import { MAX_INCIDENTS, OnceLog } from '../src/telemetry/once'

afterEach(() => resetSync())

describe('OnceLog', () => {
  it('reports a problem once per key and reason, in its part of the log', () => {
    const lines: Array<Record<string, unknown>> = []
    configureLogs('json', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
    const once = new OnceLog('skipping', logger('questions'))
    for (let poll = 0; poll < 3; poll++) {
      once.report('outbox:question:q1', new Error('not JSON'))
      once.report('outbox:question:q2', new Error('not JSON'))
    }
    once.report('outbox:question:q1', new Error('truncated'))
    expect(lines.map((l) => [l.logger, l.level, l.message])).toEqual([
      ['switchboard.questions', 'WARN', 'skipping outbox:question:q1: Error: not JSON'],
      ['switchboard.questions', 'WARN', 'skipping outbox:question:q2: Error: not JSON'],
      ['switchboard.questions', 'WARN', 'skipping outbox:question:q1: Error: truncated'],
    ])
    expect(lines[0]).toMatchObject({ key: 'outbox:question:q1', error: 'Error: not JSON' })
  })

  it('begins an incident once until it ends; then the next one is new', () => {
    const once = new OnceLog('x')
    expect([once.begins('busy'), once.begins('busy'), once.begins('full')]).toEqual([true, false, true])
    expect(once.ends('busy')).toBe(true)
    expect(once.ends('busy')).toBe(false)
    expect(once.begins('busy')).toBe(true)
    expect(once.endAll().sort()).toEqual(['busy', 'full'])
    expect(once.endAll()).toEqual([])
    expect(once.begins('full')).toBe(true)
  })

  it('stays bounded under a flood of distinct problems: it starts the count again', () => {
    const once = new OnceLog('x')
    for (let i = 0; i < MAX_INCIDENTS; i++) once.begins(`k${i}`)
    expect(once.begins('k0')).toBe(false)
    expect(once.begins('one too many')).toBe(true)
    expect(once.begins('k0')).toBe(true)
    expect(once.endAll()).toHaveLength(2)
  })
})
