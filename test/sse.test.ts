// The event stream over a real port: full snapshot, targeted patches, shared frames, disconnects, slow clients.
import { afterEach, describe, expect, it } from 'bun:test'
import net from 'node:net'
import { makeEvent } from '../src/protocol/event'
import { ids } from '../src/views/targets'
import { startTestServer, type TestServer } from './support/server'
import { ManualClock } from './support/clock'
import { post, until } from './support/http'

let s: TestServer | undefined
afterEach(async () => {
  await s?.stop()
  s = undefined
})

/** Open a stream and read its first frame set (the full snapshot ends with the signals patch). */
async function connect(server: TestServer, query = '') {
  const abort = new AbortController()
  const res = await fetch(`${server.url}/events${query}`, { signal: abort.signal })
  expect(res.headers.get('content-type')).toBe('text/event-stream')
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const readTo = async (until: (t: string) => boolean) => {
    while (!until(text)) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended; got:\n${text.slice(-1500)}`)
      text += decoder.decode(value, { stream: true })
    }
    return text
  }
  await readTo((t) => t.includes('event: datastar-patch-signals'))
  return { abort, readTo, get text() { return text }, mark: () => text.length }
}

describe('GET /events', () => {
  it('starts with a full snapshot of every panel and the signals', async () => {
    s = await startTestServer()
    s.bus.publish(makeEvent('agent', 'started', { agent_id: 'a1' }))
    // Shown once stored.
    await s.bus.persisted()
    s.stream.flush()
    const c = await connect(s)
    // Each panel by its own id (this loop once checked one string five times).
    for (const target of [ids.summary, ids.agentList, ids.blockedList, ids.results, ids.eventList])
      expect(c.text).toMatch(new RegExp(`data: elements <[a-z]+ id="${target}"`))
    expect(c.text).toContain(`id="${ids.agent('a1')}"`)
    expect(c.text).toContain('data: signals {"blocked":0}')
    c.abort.abort()
  })

  it('patches a card in, removes it after an answer, and the agent resumes on the bus', async () => {
    s = await startTestServer()
    const c = await connect(s)
    s.bus.publish(makeEvent('agent', 'started', { agent_id: 'a1' }))
    const { msg_id } = s.questions.ask({ agent_id: 'a1', question: 'Multi\nline <question>?' })
    await c.readTo((t) => t.includes(`id="${ids.card(msg_id)}"`))
    expect(c.text).toContain(`data: selector #${ids.blockedList}\ndata: mode append\n`)
    expect(c.text).toContain('Multi\ndata: elements line &lt;question&gt;?')
    const resumed = new Promise((resolve) => s!.bus.listen((e) => e.action === 'resumed' && resolve(e.payload)))
    const res = await fetch(post(`${s.url}/agent/a1/respond`, { msg_id, answer: 'yes' }))
    expect(res.status).toBe(200)
    expect(await resumed).toEqual({ msg_id, answer: 'yes' })
    await c.readTo((t) => t.includes(`data: selector #${ids.card(msg_id)}\ndata: mode remove`))
    // one badge patched alone, not the whole grid
    await c.readTo((t) => t.lastIndexOf(`<li id="${ids.agent('a1')}" class="badge state-resumed"`) > t.lastIndexOf(`id="${ids.agentList}"`))
    c.abort.abort()
  })

  it('sends twenty clients the same bytes from one render per flush', async () => {
    s = await startTestServer()
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(s!)))
    const marks = clients.map((c) => c.mark())
    const before = s.stream.renders
    s.bus.publish(makeEvent('agent', 'started', { agent_id: 'shared' }))
    await s.bus.persisted()
    s.stream.flush()
    const tails = await Promise.all(
      clients.map(async (c, i) => (await c.readTo((t) => t.includes(ids.agent('shared')) && t.endsWith('\n\n'))).slice(marks[i])),
    )
    expect(s.stream.renders - before).toBe(1)
    expect(new Set(tails).size).toBe(1)
    expect(s.hub.size).toBe(20)
    for (const c of clients) c.abort.abort()
  })

  it('gives a reconnecting client the full snapshot, card included', async () => {
    s = await startTestServer()
    const first = await connect(s)
    s.bus.publish(makeEvent('agent', 'started', { agent_id: 'a1' }))
    const { msg_id } = s.questions.ask({ agent_id: 'a1', question: 'Still there?' })
    await first.readTo((t) => t.includes(ids.card(msg_id)))
    first.abort.abort()
    const again = await connect(s)
    expect(again.text).toContain(`id="${ids.card(msg_id)}"`)
    expect(again.text).toContain('Still there?')
    again.abort.abort()
  })

  it('removes a disconnected client within a second', async () => {
    s = await startTestServer()
    const c = await connect(s)
    expect(s.hub.size).toBe(1)
    c.abort.abort()
    await until('client removed after disconnect', () => s!.hub.size === 0)
    expect(s.hub.size).toBe(0)
  })

  it('adds tool and model events to the log with ?include=tool,model only', async () => {
    s = await startTestServer()
    const plain = await connect(s)
    const all = await connect(s, '?include=tool,model')
    s.bus.publish(makeEvent('agent', 'started', { agent_id: 'a1' }))
    s.bus.publish(makeEvent('tool', 'called', { agent_id: 'a1', payload: { tool: 'ruff-unique' } }))
    s.bus.publish(makeEvent('agent', 'completed', { agent_id: 'a1', payload: { result: 'end-marker' } }))
    await s.bus.persisted()
    s.stream.flush()
    await all.readTo((t) => t.includes('end-marker') && t.includes('ruff-unique'))
    await plain.readTo((t) => t.includes('completed: end-marker'))
    expect(plain.text).not.toContain('ruff-unique')
    plain.abort.abort()
    all.abort.abort()
  })

  it('sends a heartbeat on a quiet stream every 15 s, before Bun\'s idle timeout would end it', async () => {
    const clock = new ManualClock()
    s = await startTestServer({ hub: { timers: clock } })
    const c = await connect(s)
    clock.advance(14_999)
    expect(clock.fired).toBe(0)
    clock.advance(1)
    await c.readTo((t) => t.includes(': heartbeat'))
    c.abort.abort()
  })

  it('drops a client that stops reading while another receives every frame', async () => {
    s = await startTestServer({ hub: { maxQueueBytes: 64 * 1024 } })
    // A raw socket that sends its request and then stops reading: TCP backpressure reaches Bun, Bun stops
    // pulling (Bun ≥ 1.4; 1.3 buffered without bound), and the client's queue in the hub fills up.
    const stalled = net.connect(Number(new URL(s.url).port), '127.0.0.1')
    stalled.on('error', () => {}) // a reset from the server is an acceptable end for this client
    stalled.write('GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n')
    stalled.pause()
    const reader = await connect(s)
    await until('both clients connected', () => s!.hub.size === 2)
    // Each flush re-sends the results panel: up to 50 failures of 4,000 characters each, ~200 KB a frame.
    const blob = 'x'.repeat(4_000)
    let sent = 0
    for (; sent < 400 && s.hub.size === 2; sent++) {
      s.bus.publish(makeEvent('agent', 'failed', { agent_id: `busy-${sent}`, payload: { error: `${sent}-${blob}` } }))
      await s.bus.persisted()
      s.stream.flush()
      await reader.readTo((t) => t.includes(`${sent}-xxxx`))
    }
    expect(s.hub.size).toBe(1)
    expect(s.hub.dropped[0]?.reason).toContain('slow client')
    expect(sent).toBeLessThan(400)
    s.bus.publish(makeEvent('agent', 'started', { agent_id: 'after-drop' }))
    await s.bus.persisted()
    s.stream.flush()
    await reader.readTo((t) => t.includes(ids.agent('after-drop')))
    reader.abort.abort()
    stalled.destroy()
  }, 60_000)

  it('drops an in-process stream nobody reads at its byte bound', async () => {
    s = await startTestServer({ hub: { maxQueueBytes: 64 * 1024 } })
    const stalled = s.stream.open(['agent', 'graph'])
    const blob = 'x'.repeat(4_000)
    for (let i = 0; i < 40 && s.hub.size === 1; i++) {
      s.bus.publish(makeEvent('agent', 'failed', { agent_id: `big-${i}`, payload: { error: `${blob}-${i}` } }))
      await s.bus.persisted()
      s.stream.flush()
    }
    expect(s.hub.size).toBe(0)
    // Ended as a failure, not a clean end: Datastar's client retries only the former, and resyncs in full.
    await expect(stalled.getReader().read()).rejects.toThrow('slow client')
  })
})
