// The suite's own helpers: req() builds what a socket's request has, until() names what it waited for,
// ManualClock fires timers only when moved and in time order, and stops a busy loop instead of hanging.
import { describe, expect, it } from 'bun:test'
import { ManualClock } from './support/clock'
import { IN_PROCESS, post, req, until } from './support/http'

describe('req and post', () => {
  it('address the app in-process with a loopback Host and the body\'s Content-Length, as fetch would send them', () => {
    const r = post('/api/events', { id: 'é' })
    expect(r.url).toBe(`${IN_PROCESS}/api/events`)
    expect(r.headers.get('host')).toBe('localhost')
    expect(r.headers.get('content-type')).toBe('application/json')
    expect(r.headers.get('content-length')).toBe(String(Buffer.byteLength('{"id":"é"}')))
    expect(req('/x', { method: 'POST', body: new Uint8Array(3) }).headers.get('content-length')).toBe('3')
  })

  it('keep a Host the caller sets (a rebinding test sends its own) and take full URLs for fetch', () => {
    expect(req('/', { headers: { host: 'evil.example' } }).headers.get('host')).toBe('evil.example')
    expect(req('http://127.0.0.1:4000/healthz').headers.get('host')).toBe('127.0.0.1:4000')
  })
})

describe('until', () => {
  it('returns the first truthy value, and names what it waited for when the deadline passes', async () => {
    let n = 0
    expect(await until('the third look', () => ++n >= 3 && n)).toBe(3)
    await expect(until('a thing that never comes', () => false, 30)).rejects.toThrow('timed out after 30 ms waiting for a thing that never comes')
  })
})

describe('ManualClock', () => {
  it('fires nothing until advanced, then each due timer in time order, intervals again each period', () => {
    const clock = new ManualClock(1_000)
    const seen: string[] = []
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20)
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10)
    const every = clock.setInterval(() => seen.push(`i@${clock.now()}`), 15)
    const cancelled = clock.setTimeout(() => seen.push('never'), 5)
    clock.clearTimeout(cancelled)
    expect(seen).toEqual([])
    clock.advance(30)
    expect(seen).toEqual(['a@1010', 'i@1015', 'b@1020', 'i@1030'])
    expect(clock.now()).toBe(1_030)
    clock.clearInterval(every)
    clock.advance(100)
    expect(clock.fired).toBe(4)
  })

  it('throws instead of hanging when a timer keeps setting itself for now', () => {
    const clock = new ManualClock()
    const again = () => void clock.setTimeout(again, 0)
    again()
    expect(() => clock.advance(1)).toThrow('busy loop')
  })
})
