// The real process (`bun run src/main.ts`): start, stop with clients attached, refusals at start, stored data it cannot use.
import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, it } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { defaultConfig } from '../src/config'
import { CannotListen, DatabaseUnusable, startSwitchboard } from '../src/switchboard'
import { req, until } from './support/http'
import { scrape, sample } from './support/metrics'
import { alive, descendants, freePort, running, spawn, start, tempDir } from './support/process'

/** Processes a test saw below a launcher, killed if the test left them running. */
const below: number[] = []
afterEach(() => {
  for (const s of running.splice(0)) s.proc.kill('SIGKILL')
  for (const pid of below.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL')
})

describe('stopping', () => {
  it('on SIGTERM answers open long-polls, fails open streams so they reconnect, and exits 0 before its 2 s guard', async () => {
    const s = await start()
    const ask = await fetch(`${s.url}/api/questions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'a', question: 'Still there?', msg_id: 'm-stop' }),
    })
    expect(ask.status).toBe(201)
    const dashboard = await fetch(`${s.url}/events`)
    const questionStream = await fetch(`${s.url}/api/questions/m-stop/events`)
    const longPoll = fetch(`${s.url}/api/questions/m-stop?wait=60`)
    const dashboardReader = dashboard.body!.getReader()
    await dashboardReader.read()
    const streamReader = questionStream.body!.getReader()
    await streamReader.read()
    // The long-poll must have reached the server (a request still in the accept queue is reset by any stop).
    await until('both waiters on the server', async () => sample(await scrape(s.url), 'switchboard_question_waiters') >= 2)
    s.proc.kill('SIGTERM')
    const polled = await longPoll
    expect(polled.status).toBe(200)
    expect(((await polled.json()) as { status: string }).status).toBe('pending')
    // Both streams end in an error, not a clean end: EventSource-style clients then reconnect.
    const drain = async (reader: ReadableStreamDefaultReader<Uint8Array>) => {
      for (;;) if ((await reader.read()).done) return 'ended cleanly'
    }
    expect(await drain(dashboardReader).catch(() => 'failed')).toBe('failed')
    expect(await drain(streamReader).catch(() => 'failed')).toBe('failed')
    expect(await s.proc.exited).toBe(0)
    expect(await s.output()).not.toContain('still stopping')
  })
})

describe('npm start', () => {
  const npm = Bun.which('npm')
  if (!npm) it.skip('needs npm on PATH (not found)', () => {})
  // It ran `bun` under `sh -c`: npm passed SIGTERM to the shell, which died, and bun kept the port.
  it.skipIf(!npm)('stops the server when npm is sent SIGTERM: the port is free and no process of it is left', async () => {
    const port = freePort()
    const s = spawn({ PORT: String(port), SWITCHBOARD_DB: join(tempDir(), 's.db') }, [npm!, 'start', '--', '--no-demo'])
    running.push({ proc: s.proc, url: `http://127.0.0.1:${port}`, output: s.output })
    await s.seen('listening on')
    const server = descendants(s.proc.pid)
    below.push(...server)
    expect(server.length).toBeGreaterThan(0)
    s.proc.kill('SIGTERM')
    expect(await s.proc.exited).toBe(0)
    expect(await s.output()).toContain('stopped')
    expect(server.filter(alive)).toEqual([])
    // Nobody holds the port: it can be bound again at once.
    const probe = Bun.serve({ port, hostname: '127.0.0.1', reusePort: false, fetch: () => new Response() })
    void probe.stop(true)
  })
})

describe('refusing to start', () => {
  it('stops with one line and exit code 2 when the port is in use, instead of sharing it', async () => {
    const first = await start()
    const second = spawn({ PORT: new URL(first.url).port, SWITCHBOARD_DB: join(tempDir(), 's.db') })
    expect(await second.proc.exited).toBe(2)
    const out = (await second.output()).trim()
    expect(out).toMatch(/^switchboard: cannot listen on 127\.0\.0\.1:\d+: the port is already in use$/)
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200)
  })

  it('stops with one line and exit code 2 when the database cannot be used', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'not-a-folder'), 'x')
    const bad = spawn({ PORT: String(freePort()), SWITCHBOARD_DB: join(dir, 'not-a-folder', 's.db') })
    expect(await bad.proc.exited).toBe(2)
    const lines = (await bad.output()).trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toStartWith(`switchboard: cannot use the database ${join(dir, 'not-a-folder', 's.db')}`)
  })
})

describe('startSwitchboard', () => {
  const config = (fields: Partial<ReturnType<typeof defaultConfig>>) => ({ ...defaultConfig(), port: 0, dbPath: join(tempDir(), 's.db'), demo: false, ...fields })

  it('throws CannotListen with the line the CLI prints when the port is taken, and the same file starts after it', async () => {
    const taken = Bun.serve({ port: 0, hostname: '127.0.0.1', reusePort: false, fetch: () => new Response() })
    const c = config({ port: taken.port! })
    const error = await startSwitchboard(c).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CannotListen)
    expect((error as Error).message).toBe(`cannot listen on 127.0.0.1:${taken.port}: the port is already in use`)
    void taken.stop(true)
    const again = await startSwitchboard({ ...c, port: 0 })
    expect((await fetch(`${again.url}/healthz`)).status).toBe(200)
    await again.stop()
  })

  it('throws DatabaseUnusable naming the file when it cannot be opened', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'a-file'), 'x')
    const error = await startSwitchboard(config({ dbPath: join(dir, 'a-file', 's.db') })).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(DatabaseUnusable)
    expect((error as Error).message).toStartWith(`cannot use the database ${join(dir, 'a-file', 's.db')} for the workspace: `)
  })

  it('stops even while a request never ends: a client that sends half a body is cut, not waited for', async () => {
    const board = await startSwitchboard(config({}))
    const { port } = new URL(board.url)
    let closed!: () => void
    const cut = new Promise<void>((resolve) => (closed = resolve))
    const socket = await Bun.connect({ hostname: '127.0.0.1', port: Number(port), socket: { data() {}, close: () => closed() } })
    socket.write(`POST /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{"id":`)
    await until('the request reached the server', () => (board.app.server?.pendingRequests ?? 0) > 0)
    await board.stop()
    await cut
  })

  it('with listen: false binds no port and answers in-process; stop() ends it', async () => {
    const board = await startSwitchboard(config({}), { listen: false })
    expect(board.app.server).toBeFalsy()
    expect((await board.app.handle(req('/healthz'))).status).toBe(200)
    await board.stop()
    await board.stop()
  })
})

describe('stored data it cannot use', () => {
  it('starts anyway, skipping each bad record with one line naming its key, and the page renders', async () => {
    const dir = tempDir()
    const path = join(dir, 's.db')
    const db = new Database(path, { create: true })
    db.exec('CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER)')
    const put = (key: string, value: string) => db.query('INSERT INTO kv (key, value, updated_at) VALUES (?, ?, 0)').run(key, value)
    const record = (fields: Record<string, unknown>) => JSON.stringify({ status: 'pending', created_at: 1_700_000_000_000, question: 'q?', options: [], ...fields })
    put('outbox:question:not-json', '{broken')
    put('outbox:question:no-agent', JSON.stringify({ question: 'who?', status: 'pending' }))
    put('outbox:question:odd-status', record({ agent_id: 'x', status: 'maybe' }))
    put('outbox:question:proto', record({ agent_id: '__proto__', question: 'Proto?' }))
    put('outbox:question:ctor', record({ agent_id: 'constructor', options: [{ toString: 1 }, 'fine'], created_at: 1e20 }))
    put(`outbox:question:${'m'.repeat(200)}`, record({ agent_id: 'long-id' }))
    put('outbox:question:huge', record({ agent_id: 'big', question: 'x'.repeat(20_000) }))
    db.close()
    const s = await start({ SWITCHBOARD_DB: path })
    const page = await fetch(s.url)
    expect(page.status).toBe(200)
    const snapshot = (await (await fetch(`${s.url}/api/snapshot`)).json()) as { blocked: Array<{ msg_id: string; options: string[] }> }
    expect(snapshot.blocked.map((b) => b.msg_id).sort()).toEqual(['ctor', 'huge', 'm'.repeat(200), 'proto'].sort())
    expect(snapshot.blocked.find((b) => b.msg_id === 'ctor')!.options).toEqual(['fine'])
    // Each of these is answerable from its card.
    const answer = await fetch(`${s.url}/agent/__proto__/respond?msg_id=proto`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ answer: 'yes' }),
    })
    expect(answer.status).toBe(200)
    s.proc.kill('SIGTERM')
    expect(await s.proc.exited).toBe(0)
    const log = await s.output()
    for (const key of ['outbox:question:not-json', 'outbox:question:no-agent', 'outbox:question:odd-status'])
      expect(log.split('\n').filter((line) => line.includes(key))).toHaveLength(1)
  })
})
