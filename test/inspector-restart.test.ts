// The inspector's sequences after a restart from a checkpoint: a restored agent's page takes its sequence rebuilt from the store.
import { describe, expect, it } from 'bun:test'
import { Elysia } from 'elysia'
import { openDurableBus } from '../src/events/durable'
import { agentKey, Inspector } from '../src/inspector/inspector'
import { InspectStream } from '../src/live/inspect-stream'
import { SseHub } from '../src/live/sse-hub'
import { startDashboard } from '../src/machines/dashboard'
import { makeEvent, type Category, type Event } from '../src/protocol/event'
import { inspectRoutes } from '../src/server/routes/inspect'
import { routes } from '../src/views/targets'
import { tempDb } from './support/server'

const T0 = Date.now() - 3_600_000
let n = 0
const ev = (agent_id: string, category: Category, action: string, payload: Record<string, unknown> = {}): Event =>
  makeEvent(category, action, { id: `ir-${++n}`, timestamp: T0 + n * 1000, agent_id, payload })
const ASSETS = { datastar: '/d.js', bridge: '/b.js', css: '/c.css', notify: '/n.js', clock: '/k.js' }
const sequence = (html: string) => [...html.matchAll(/<code class="ev">([^<]*)<\/code>/g)].map((m) => m[1])

/** Start as the server does from the file, checkpointing every 4 events, with an inspector attached. */
function open(path: string) {
  const durable = openDurableBus(path, undefined, 4)
  const inspector = new Inspector()
  const dashboard = startDashboard(durable.bus, { inspect: inspector.observe, restore: durable.restore })
  durable.start(() => dashboard.checkpoint())
  const hub = new SseHub()
  const stream = new InspectStream(inspector, hub)
  const app = new Elysia().use(inspectRoutes({ inspector, stream, assets: ASSETS, store: durable.store }))
  const page = async (path: string) => (await app.handle(new Request(`http://localhost${path}`))).text()
  const stop = () => (stream.close(), hub.close(), dashboard.stop(), durable.close())
  return { durable, inspector, dashboard, page, stop }
}

describe('inspector after a restart from a checkpoint', () => {
  it('shows a restored agent’s whole sequence, numbered from its first event, and numbers on from there live', async () => {
    const path = tempDb()
    const first = open(path)
    await first.durable.bus.ingest([ev('kept', 'agent', 'started'), ev('kept', 'tool', 'called', { tool: 'scan', args: { dir: 'src' } }), ev('kept', 'tool', 'completed', { tool: 'scan', result: '12 files' })])
    for (let i = 0; i < 3; i++) await first.durable.bus.ingest(Array.from({ length: 4 }, () => ev('other', 'agent', 'started')))
    first.stop()

    const second = open(path)
    // Restored from the snapshot, not replayed: the inspector saw it start where it was.
    const restored = second.inspector.get(agentKey('kept'))!
    expect(restored.log.map((e) => [e.type, e.after])).toEqual([['xstate.init', 'running']])
    expect(restored.late).toBe(true)
    const html = await second.page(routes.inspect('kept'))
    expect(sequence(html)).toEqual(['TOOL_COMPLETED', 'TOOL_CALLED', 'AGENT_STARTED', 'xstate.init'])
    expect(html).toContain('<dt>arguments</dt><dd><span class="fact-text">{&quot;dir&quot;:&quot;src&quot;}</span>')
    expect(html).toContain('live · 4 events received')
    expect(html).not.toContain('since it acted again')
    await second.durable.bus.ingest([ev('kept', 'agent', 'completed', { result: 'done scanning' })])
    expect(second.inspector.get(agentKey('kept'))!.log.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5])
    expect(sequence(await second.page(routes.inspect('kept')))[0]).toBe('AGENT_COMPLETED')
    second.stop()
  })
})
