// The built SDK (dist/, package export `switchboard/client`) run by Node against a real server.
import { beforeAll, describe, expect, it } from 'bun:test'
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { nextEvent } from './support/bus'
import { startTestServer } from './support/server'
import { post } from './support/http'

const ROOT = resolve(import.meta.dir, '..')
const AGENT = join(ROOT, 'test/node/agent.mjs')
const BUILT = join(ROOT, 'dist/client/index.js')

const newest = (dir: string) => Math.max(...readdirSync(dir).map((f) => statSync(join(dir, f)).mtimeMs))

// `npm test` builds first; a single test file run after editing the SDK must not test a stale build.
beforeAll(() => {
  const stale = !existsSync(BUILT) || statSync(BUILT).mtimeMs < Math.max(newest(join(ROOT, 'src/client')), newest(join(ROOT, 'src/protocol')))
  if (!stale) return
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)
})

const hasNode = spawnSync('node', ['--version']).status === 0
if (!hasNode) console.log('node-client: skipped, no `node` on PATH')

interface Line {
  runtime?: string
  node?: string
  answer?: string
  error?: { kind: string; status?: number; message: string }
  refused?: Array<{ status: number; message: string; events: number }>
  dropped?: number
}

/** Run test/node/agent.mjs under Node; resolves with its exit code and parsed output lines. */
function runAgent(env: Record<string, string>) {
  const proc = Bun.spawn(['node', AGENT], { cwd: ROOT, env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' })
  return (async () => {
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
    const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line)
    return { code, lines, stderr: err, merged: Object.assign({}, ...lines) as Line }
  })()
}

describe.skipIf(!hasNode)('switchboard/client in Node', () => {
  it('reports events and gets the answer a person gives through POST /agent/:id/respond', async () => {
    const server = await startTestServer()
    try {
      const seen: string[] = []
      server.bus.listen((e) => e.agent_id === 'node-agent' && seen.push(`${e.category}:${e.action}`))
      const blocked = nextEvent(server.bus, (e) => e.action === 'blocked' && e.agent_id === 'node-agent', 20_000)
      const done = nextEvent(server.bus, (e) => e.category === 'agent' && e.action === 'completed' && e.agent_id === 'node-agent', 20_000)
      const run = runAgent({ SWITCHBOARD_URL: server.url, AGENT_ID: 'node-agent', MSG_ID: 'q-node' })
      // A Node that cannot load the package exits at once: fail with its stderr, not a timeout.
      const first = await Promise.race([blocked, run])
      if (!('payload' in first)) throw new Error(`node exited ${first.code} before asking:\n${first.stderr}`)
      const { payload } = first
      expect(payload).toMatchObject({ msg_id: 'q-node', question: 'Ship 5 files?', options: ['yes', 'no'] })
      const res = await fetch(post(`${server.url}/agent/node-agent/respond`, { msg_id: 'q-node', answer: 'yes' }))
      expect(res.status).toBe(200)
      const { code, merged, stderr } = await run
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
      expect(merged).toMatchObject({ runtime: 'node', answer: 'yes', refused: [], dropped: 0 })
      expect(Number(merged.node!.split('.')[0])).toBeGreaterThanOrEqual(20)
      expect((await done).payload).toEqual({ result: 'answered yes' })
      expect(seen).toEqual(['agent:started', 'tool:called', 'tool:completed', 'agent:blocked', 'agent:resumed', 'user:responded', 'agent:completed'])
    } finally {
      await server.stop()
    }
  })

  it('surfaces the server’s refusal (a wrong token) as errors naming the status and reason', async () => {
    const server = await startTestServer({ token: 'right-token' })
    try {
      const { code, merged } = await runAgent({ SWITCHBOARD_URL: server.url, SWITCHBOARD_TOKEN: 'wrong-token', AGENT_ID: 'intruder', MSG_ID: 'q-intruder' })
      expect(code).toBe(0)
      expect(merged.error).toMatchObject({ kind: 'http', status: 401 })
      expect(merged.error!.message).toStartWith('POST /api/questions → 401: ')
      expect(merged.refused!.map((r) => r.status)).toEqual([401])
      expect(merged.refused![0]!.events).toBe(3)
      expect(server.questions.status('q-intruder')).toBeUndefined()
    } finally {
      await server.stop()
    }
  })
})
