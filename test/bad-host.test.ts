// A Host whose port is past 65535 (`localhost:99999`), over a real socket: Bun builds a request.url that no URL
// parser accepts. It was a 500 with a stack trace on every route, /healthz included, one per request (5,000 wrote
// 1.6 MB of log); it is a 400 with the reason, before the token check, and logged as refusals are (rate-limited).
import { resetSync } from '@logtape/logtape'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { connect } from 'node:net'
import { configureLogs, REFUSAL_LINES } from '../src/telemetry/log'
import { noteBug } from '../src/server/errors'
import { startTestServer, type TestServer } from './support/server'

const TOKEN = 'bad-host-token'
const BAD = 'localhost:99999'

/** One request written by hand on its own socket, so nothing between us and Bun rewrites the Host. */
function raw(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`))
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('error', reject)
    socket.on('close', () => {
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)
      if (!status) return reject(new Error(`no HTTP response: ${JSON.stringify(text.slice(0, 200))}`))
      resolve({ status: Number(status[1]), body: text.slice(text.indexOf('\r\n\r\n') + 4) })
    })
  })
}

const portOf = (s: TestServer) => Number(new URL(s.url).port)

let open: TestServer
let guarded: TestServer
beforeAll(async () => {
  ;[open, guarded] = await Promise.all([startTestServer(), startTestServer({ token: TOKEN })])
})
afterAll(async () => {
  await Promise.all([open.stop(), guarded.stop()])
})
afterEach(() => resetSync())

describe('a Host with a port past 65535, over a real socket', () => {
  it('is a 400 with the reason on /healthz and an API route, with and without SWITCHBOARD_TOKEN', async () => {
    for (const s of [open, guarded])
      for (const path of ['/healthz', '/api/snapshot', '/']) {
        const { status, body } = await raw(portOf(s), path, BAD)
        expect([path, status]).toEqual([path, 400])
        expect((JSON.parse(body) as { error: string }).error).toContain('65535')
      }
  })

  it('leaves the ports up to 65535 alone', async () => {
    expect((await raw(portOf(open), '/healthz', 'localhost:65535')).status).toBe(200)
    expect((await raw(portOf(open), '/healthz', 'localhost:65536')).status).toBe(400)
  })

  it('writes a bounded number of log lines for 5,000 of them, and no stack trace', async () => {
    const lines: Array<Record<string, unknown>> = []
    configureLogs('json', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
    const url = `${guarded.url}/healthz`
    for (let i = 0; i < 5_000; i += 100) {
      const statuses = await Promise.all(Array.from({ length: 100 }, () => fetch(url, { headers: { host: BAD } }).then((r) => r.status)))
      expect(new Set(statuses)).toEqual(new Set([400]))
    }
    const refused = lines.filter((l) => l.logger === 'switchboard.refused')
    expect(refused.length).toBe(REFUSAL_LINES)
    expect(refused[0]).toMatchObject({ status: 400, reason: 'invalid', path: '/healthz' })
    expect(lines.length).toBeLessThanOrEqual(REFUSAL_LINES + 1)
    expect(JSON.stringify(lines)).not.toContain('    at ')
  }, 60_000)
})

describe('an unexpected 500', () => {
  it('logs its stack once, then a count at each power of ten, not a line a request', () => {
    const lines: Array<Record<string, unknown>> = []
    configureLogs('json', (line) => lines.push(JSON.parse(line) as Record<string, unknown>))
    const bug = () => new TypeError('cannot read properties of undefined')
    for (let i = 0; i < 5_000; i++) noteBug(bug())
    noteBug(new RangeError('another bug'))
    const messages = lines.map((l) => String(l.message))
    expect(messages.filter((m) => m.includes('    at '))).toHaveLength(2)
    expect(messages.filter((m) => m.startsWith('unhandled error met')).map((m) => m.split(' ')[3])).toEqual(['10', '100', '1000'])
    expect(lines).toHaveLength(5)
  })
})
