// Structured logs of the real server process: JSON lines with LOG_FORMAT=json, readable text otherwise,
// refusals with their reason and rate-limited, no stack traces for expected errors.
import { afterEach, describe, expect, it } from 'bun:test'
import { REFUSAL_LINES } from '../src/telemetry/log'
import { running, start } from './support/process'
import { post } from './support/http'

afterEach(() => {
  for (const s of running.splice(0)) s.proc.kill('SIGKILL')
})

const postBad = (url: string, i: number) =>
  fetch(post(`${url}/api/events`, { id: `bad-${i}`, timestamp: 'never', category: 'agent', action: 'started', agent_id: 'a', payload: {} }))

describe('LOG_FORMAT=json', () => {
  it('writes one JSON object a line: start, refusals with their reason (rate-limited), stop', async () => {
    const s = await start({ LOG_FORMAT: 'json' })
    for (let i = 0; i < REFUSAL_LINES + 5; i++) expect((await postBad(s.url, i)).status).toBe(400)
    expect((await fetch(`${s.url}/no-such-page`)).status).toBe(404)
    s.proc.kill('SIGTERM')
    expect(await s.proc.exited).toBe(0)
    const out = await s.output()
    const lines = out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines[0]).toMatchObject({ level: 'INFO', logger: 'switchboard.server', event: 'start', url: `${s.url}/` })
    const invalid = lines.filter((l) => l.logger === 'switchboard.refused' && l.reason === 'invalid')
    expect(invalid).toHaveLength(REFUSAL_LINES)
    expect(invalid[0]).toMatchObject({ level: 'WARN', method: 'POST', path: '/api/events', status: 400 })
    expect(String(invalid[0]!.error)).toContain('timestamp')
    // A different reason has its own allowance.
    expect(lines.filter((l) => l.reason === 'not_found')).toHaveLength(1)
    // The ones held back are counted in one line, at the end of their window or of the process.
    expect(lines.find((l) => l.logger === 'switchboard.refusals')).toMatchObject({ reason: 'invalid', suppressed: 5 })
    expect(lines.find((l) => l.event === 'stop')).toMatchObject({ level: 'INFO', clean: true })
    expect(out).not.toMatch(/\n\s+at /)
  })
})

describe('the default text format', () => {
  it('writes readable lines: time, level, part, message', async () => {
    const s = await start()
    expect((await postBad(s.url, 0)).status).toBe(400)
    s.proc.kill('SIGTERM')
    expect(await s.proc.exited).toBe(0)
    const lines = (await s.output()).trim().split('\n')
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  server: Switchboard listening on http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(lines.find((l) => l.includes('refused'))).toMatch(/^\S+Z WARN  refused: refused POST \/api\/events: 400 invalid: timestamp /)
    expect(lines).toContainEqual(expect.stringMatching(/INFO  server: stopped$/))
  })
})
