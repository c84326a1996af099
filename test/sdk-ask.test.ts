// ask() against a real server: answered through the respond route, across restarts, and on timeout.
import { afterEach, describe, expect, it } from 'bun:test'
import { AskTimeout, ClientClosed, connect, type FetchLike } from '../src/client'
import type { EventBus } from '../src/events/bus'
import { nextEvent } from './support/bus'
import { startTestServer, tempDb, type TestServer } from './support/server'
import { post } from './support/http'

const fast = { baseMs: 5, maxMs: 50 }

const blockedOn = (bus: EventBus, agentId: string) => nextEvent(bus, (e) => e.action === 'blocked' && e.agent_id === agentId)

function respond(server: TestServer, agentId: string, msgId: string, answer: string) {
  return fetch(post(`${server.url}/agent/${agentId}/respond`, { msg_id: msgId, answer }))
}

const servers: TestServer[] = []
async function start(options: Parameters<typeof startTestServer>[0] = {}) {
  const server = await startTestServer(options)
  servers.push(server)
  return server
}
/** Stop one server now (a restart), so afterEach does not stop it twice. */
async function stop(server: TestServer) {
  servers.splice(servers.indexOf(server), 1)
  await server.stop()
}
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop()
})

describe('ask()', () => {
  it('resolves with the answer a person gives through POST /agent/:id/respond', async () => {
    const server = await start()
    const seen: string[] = []
    server.bus.listen((e) => e.agent_id === 'docs' && seen.push(`${e.category}:${e.action}`))
    const sb = connect({ url: server.url })
    const agent = sb.agent('docs')
    agent.started()
    const blocked = blockedOn(server.bus, 'docs')
    const answer = agent.ask('Which docstring style?', { options: ['google', 'numpy', 'sphinx'] })
    const { payload } = await blocked
    expect(payload).toMatchObject({ question: 'Which docstring style?', options: ['google', 'numpy', 'sphinx'] })
    const snap = (await (await fetch(`${server.url}/api/snapshot`)).json()) as { blocked: Array<{ msg_id: string }> }
    expect(snap.blocked.map((b) => b.msg_id)).toEqual([payload.msg_id as string])

    expect((await respond(server, 'docs', payload.msg_id as string, 'numpy')).status).toBe(200)
    expect(await answer).toBe('numpy')
    // The card needs the agent running first: started is flushed before the question is posted.
    expect(seen.slice(0, 2)).toEqual(['agent:started', 'agent:blocked'])
    await sb.close()
  })

  it('survives a Switchboard restart between asking and answering (same database file)', async () => {
    const dbPath = tempDb()
    const first = await start({ dbPath })
    const port = first.app.server!.port
    let restarted = false
    let reconnected!: () => void
    const polledAgain = new Promise<void>((resolve) => (reconnected = resolve))
    const watching: FetchLike = (url, init) => {
      if (restarted && init.method === 'GET') reconnected()
      return fetch(url, init)
    }
    const sb = connect({ url: first.url, fetch: watching, backoff: fast })
    const blocked = blockedOn(first.bus, 'deployer')
    const answer = sb.agent('deployer').ask('Ship it?', { options: ['yes', 'no'], msgId: 'q-restart' })
    await blocked
    await stop(first)

    const second = await start({ dbPath, port })
    restarted = true
    // The SDK's next long-poll reaches the new server, which still has the question pending in SQLite.
    await polledAgain
    expect(second.questions.status('q-restart')?.status).toBe('pending')
    expect((await respond(second, 'deployer', 'q-restart', 'yes')).status).toBe(200)
    expect(await answer).toBe('yes')
    await sb.close()
  })

  it('asks again with the same msg_id when the restarted server has lost the question (404)', async () => {
    const first = await start()
    const port = first.app.server!.port
    const sb = connect({ url: first.url, backoff: fast })
    const blocked = blockedOn(first.bus, 'nomad')
    const answer = sb.agent('nomad').ask('Which region?', { msgId: 'q-lost' })
    await blocked
    await stop(first)

    const fresh = await start({ dbPath: tempDb(), port })
    const reasked = await blockedOn(fresh.bus, 'nomad')
    expect(reasked.payload).toMatchObject({ msg_id: 'q-lost', question: 'Which region?' })
    expect((await respond(fresh, 'nomad', 'q-lost', 'eu-west')).status).toBe(200)
    expect(await answer).toBe('eu-west')
    await sb.close()
  })

  it('rejects with AskTimeout when the question times out on the server', async () => {
    const server = await start()
    const sb = connect({ url: server.url })
    const resumed = nextEvent(server.bus, (e) => e.action === 'resumed' && e.payload.timed_out === true)
    const error = await sb.agent('slowpoke').ask('Anyone there?', { timeoutS: 0.2, msgId: 'q-timeout' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AskTimeout)
    expect(error).toMatchObject({ msgId: 'q-timeout', timeoutS: 0.2 })
    expect((await resumed).agent_id).toBe('slowpoke')
    await sb.close()
  })

  it('rejects with AskTimeout on its own when the server stays unreachable past the deadline', async () => {
    const unreachable: FetchLike = () => Promise.reject(new TypeError('connection refused'))
    const sb = connect({ url: 'http://127.0.0.1:9', fetch: unreachable, backoff: fast })
    const error = await sb.agent('offline').ask('Hello?', { timeoutS: 0.05 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AskTimeout)
    await sb.close(10)
  })

  it('asking again with the msg_id of an answered question returns its answer at once', async () => {
    const server = await start()
    server.questions.ask({ agent_id: 'resumer', question: 'Proceed?', msg_id: 'q-known' })
    server.questions.respond('resumer', 'q-known', 'go')
    const sb = connect({ url: server.url })
    expect(await sb.agent('resumer').ask('Proceed?', { msgId: 'q-known' })).toBe('go')
    await sb.close()
  })

  it('stops waiting when its signal aborts, and close() ends every pending ask with ClientClosed', async () => {
    const server = await start()
    const sb = connect({ url: server.url })
    const controller = new AbortController()
    const blocked = blockedOn(server.bus, 'waiter')
    const aborted = sb.agent('waiter').ask('Wait for me?', { signal: controller.signal }).catch((e: unknown) => e)
    await blocked
    controller.abort(new Error('changed my mind'))
    expect(await aborted).toMatchObject({ message: 'changed my mind' })

    const blocked2 = blockedOn(server.bus, 'closer')
    const pending = sb.agent('closer').ask('Still there?').catch((e: unknown) => e)
    await blocked2
    await sb.close()
    expect(await pending).toBeInstanceOf(ClientClosed)
  })
})
