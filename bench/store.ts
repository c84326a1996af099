// The durable event store: HTTP ingest with the store against the same run without it, start-up time
// with a long history (checkpoint against full replay), and the file's size per 100,000 events.
//   node_modules/.bin/bun bench/store.ts [--events=100000] [--history=100000,1000000]
import { statSync } from 'node:fs'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventBus } from '../src/events/bus'
import { openDurableBus } from '../src/events/durable'
import { EventStore } from '../src/events/event-store'
import { defaultConfig } from '../src/config'
import { startDashboard } from '../src/machines/dashboard'
import { makeEvent, type Event } from '../src/protocol/event'
import { QuestionService } from '../src/questions/question-service'
import { createApp } from '../src/server/app'
import { startSwitchboard } from '../src/switchboard'
import { openSqliteWorkspace } from '../src/workspace/sqlite'

const arg = (name: string, fallback: string) => Bun.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback
const EVENTS = Number(arg('events', '100000'))
const HISTORY = arg('history', '100000,1000000').split(',').map(Number)
const BATCH = 500
const AGENTS = 20

const dir = () => mkdtempSync(join(tmpdir(), 'switchboard-bench-'))
const T0 = 1_764_057_600_000

function event(i: number, prefix: string): Event {
  const agent_id = `agent-${i % AGENTS}`
  const base = { id: `${prefix}-${i}`, timestamp: T0 + i, agent_id, graph_id: 'bench' }
  if (i < AGENTS) return makeEvent('agent', 'started', base)
  return i % 2 ? makeEvent('tool', 'called', { ...base, payload: { tool: 'read_file', args: { path: `src/f${i % 97}.py` } } }) : makeEvent('model', 'response', { ...base, payload: { model: 'm', tokens: 120 } })
}

/**
 * The real server over HTTP (started as `npm start` starts it), or for the baseline the same app over a
 * bus that stores nothing: that one is wired here on purpose, since no configuration of the server has no store.
 */
async function server(durable: boolean) {
  const path = join(dir(), 's.db')
  if (durable) return startSwitchboard({ ...defaultConfig(), port: 0, dbPath: path, demo: false })
  const bus = new EventBus()
  const dashboard = startDashboard(bus)
  const questions = new QuestionService({ workspace: openSqliteWorkspace(path), bus })
  questions.start()
  const { app } = createApp({ bus, questions, dashboard, store: new EventStore(':memory:') })
  app.listen({ port: 0, hostname: '127.0.0.1' })
  return {
    url: `http://127.0.0.1:${app.server!.port}`,
    async stop() {
      await app.stop(true)
      dashboard.stop()
      questions.close()
    },
  }
}

async function ingest(durable: boolean): Promise<number> {
  const s = await server(durable)
  const events = Array.from({ length: EVENTS }, (_, i) => event(i, durable ? 'd' : 'm'))
  const started = performance.now()
  for (let i = 0; i < events.length; i += BATCH) {
    const res = await fetch(`${s.url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events.slice(i, i + BATCH)) })
    if (res.status !== 202) throw new Error(`ingest answered ${res.status}`)
  }
  const rate = EVENTS / ((performance.now() - started) / 1000)
  await s.stop()
  return rate
}

/** A store holding `count` events written the way the server writes them (checkpoints included). */
async function history(count: number): Promise<string> {
  const path = join(dir(), 's.db')
  const d = openDurableBus(path)
  const dashboard = startDashboard(d.bus, { restore: d.restore })
  d.start(() => dashboard.checkpoint())
  for (let i = 0; i < count; i++) {
    d.bus.publish(event(i, 'h'))
    if (i % 10_000 === 9_999) await d.bus.persisted()
  }
  await d.bus.persisted()
  dashboard.stop()
  d.close()
  return path
}

function startUp(path: string, useCheckpoint: boolean): number {
  const started = performance.now()
  const d = openDurableBus(path)
  const restore = useCheckpoint ? d.restore : { events: d.restore.onBadCheckpoint() }
  const dashboard = startDashboard(d.bus, { restore })
  const ms = performance.now() - started
  dashboard.stop()
  d.store.close()
  return ms
}

const size = (path: string) => ['', '-wal'].reduce((sum, suffix) => sum + (statSync(path + suffix, { throwIfNoEntry: false })?.size ?? 0), 0)
const fmt = (n: number) => Math.round(n).toLocaleString('en')

console.log(`# durable store (${EVENTS.toLocaleString('en')} events over HTTP in batches of ${BATCH}; load ${(await Bun.file('/proc/loadavg').text()).split(' ').slice(0, 3).join(' ')})\n`)
const without = await ingest(false)
const withStore = await ingest(true)
console.log('| ingest | events/s |\n|---|---|')
console.log(`| without the store (baseline) | ${fmt(without)} |`)
console.log(`| with the store (group commit) | ${fmt(withStore)} |`)
console.log(`| ratio | ${(withStore / without).toFixed(2)} |\n`)

console.log('| stored events | start-up from checkpoint | start-up replaying everything | file size | per 100,000 events |\n|---|---|---|---|---|')
for (const count of HISTORY) {
  const path = await history(count)
  const fromCheckpoint = startUp(path, true)
  const replayAll = startUp(path, false)
  const bytes = size(path)
  console.log(`| ${fmt(count)} | ${fmt(fromCheckpoint)} ms | ${fmt(replayAll)} ms | ${(bytes / 1e6).toFixed(1)} MB | ${((bytes / count) * 100_000 / 1e6).toFixed(1)} MB |`)
}

// elkjs (the inspector's layout engine, warmed when the app is built) keeps a timer alive after every server has stopped.
process.exit(0)
