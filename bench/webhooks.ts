// Webhook isolation bench: notices/s to a good receiver beside a hanging, a slow (8 s), a redirecting and a 500-ing one,
// for the code before per-receiver slots (a git ref, checked out to a temp dir) and this checkout, in one run.
// Usage: bun run bench/webhooks.ts [--notices=90] [--limit-s=60] [--slow-ms=8000] [--before=<git ref>]
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { flag, intFlag, now } from './args'

const ROOT = resolve(import.meta.dir, '..')

interface Result {
  code: string
  delivered: number
  inFirstSecond: number
  allAfterMs: number | undefined
}

/** A receiver on a real port; `answer` decides each POST's response. */
function receiver(answer: () => Response | Promise<Response>) {
  let count = 0
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(req) {
      await req.text()
      count++
      return answer()
    },
  })
  return { url: `http://127.0.0.1:${server.port}/hook`, count: () => count, stop: () => server.stop(true) }
}

/** One measurement, in this process, of the code under `root` (its test harness starts its server). */
async function scenario(root: string, code: string): Promise<Result> {
  const n = intFlag('notices', 90)
  const limitMs = intFlag('limit-s', 60) * 1000
  const slowMs = intFlag('slow-ms', 8000)
  const { startTestServer } = await import(join(root, 'test/support/server.ts'))
  const good = receiver(() => new Response('ok'))
  const bad = flag('alone') !== undefined ? [] : [
    receiver(() => new Promise<Response>(() => {})),
    receiver(() => Bun.sleep(slowMs).then(() => new Response('late'))),
    receiver(() => new Response(null, { status: 302, headers: { location: good.url } })),
    receiver(() => new Response('down', { status: 500 })),
  ]
  const server = await startTestServer({ webhooks: { urls: [...bad.map((r) => r.url), good.url] } })
  const events = Array.from({ length: n }, (_, i) => ({ id: `b-${i}`, timestamp: Date.now(), category: 'agent', action: 'failed', agent_id: `a-${i}`, payload: { error: 'x' } }))
  const t0 = now()
  const res = await fetch(`${server.url}/api/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) })
  if (res.status !== 202) throw new Error(`ingest answered ${res.status}`)
  let inFirstSecond = 0
  while (good.count() < n && now() - t0 < limitMs) {
    await Bun.sleep(10)
    if (now() - t0 <= 1000) inFirstSecond = good.count()
  }
  const done = good.count() >= n ? now() - t0 : undefined
  return { code, delivered: good.count(), inFirstSecond: done !== undefined && done <= 1000 ? n : inFirstSecond, allAfterMs: done }
}

/** The ref before per-receiver slots: the parent of the commit that added receivers.ts. */
function beforeRef(): string {
  const given = flag('before')
  if (given) return given
  const added = Bun.spawnSync(['git', 'log', '--diff-filter=A', '--format=%H', '--', 'src/notify/receivers.ts'], { cwd: ROOT }).stdout.toString().trim().split('\n').at(-1)
  if (!added) throw new Error('cannot find the commit that added src/notify/receivers.ts; pass --before=<ref>')
  return `${added}^`
}

/** The sources at `ref` in a temp dir, sharing this checkout's node_modules. */
function checkout(ref: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'))
  const archive = Bun.spawnSync(['sh', '-c', `git archive "$0" src test/support tsconfig.json package.json | tar -x -C "$1"`, ref, dir], { cwd: ROOT })
  if (archive.exitCode !== 0) throw new Error(`git archive ${ref}: ${archive.stderr.toString()}`)
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  return dir
}

/** Each measurement in a fresh process: hung sockets and timers of one do not reach the next. */
async function child(root: string, code: string, alone = false): Promise<Result> {
  const args = ['--scenario', `--root=${root}`, `--code=${code}`, ...(alone ? ['--alone'] : []), ...Bun.argv.slice(2)]
  const proc = Bun.spawn([process.execPath, import.meta.path, ...args], { stdout: 'pipe', stderr: 'inherit' })
  const out = await new Response(proc.stdout).text()
  if ((await proc.exited) !== 0) throw new Error(`scenario ${code} failed (exit ${proc.exitCode})`)
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

async function orchestrate() {
  const ref = beforeRef()
  const dir = checkout(ref)
  try {
    const short = Bun.spawnSync(['git', 'rev-parse', '--short', ref], { cwd: ROOT }).stdout.toString().trim()
    const results = [await child(dir, `before (${short})`), await child(ROOT, 'after (this checkout)'), await child(ROOT, 'after, the good one alone', true)]
    const n = intFlag('notices', 90)
    console.log(`${n} notices to a good receiver beside one that hangs (10 s timeout), one answering after ${intFlag('slow-ms', 8000)} ms, a redirect and a 500 (the last line: the good one alone)\n`)
    console.log(`${'code'.padEnd(28)}  ${'good got'.padStart(8)}  ${'in 1st s'.padStart(8)}  ${'all after'.padStart(10)}  notices/s`)
    for (const r of results) {
      const all = r.allAfterMs === undefined ? `> ${intFlag('limit-s', 60)} s` : `${(r.allAfterMs / 1000).toFixed(2)} s`
      const rate = r.allAfterMs === undefined ? '-' : (n / (r.allAfterMs / 1000)).toFixed(0)
      console.log(`${r.code.padEnd(28)}  ${`${r.delivered}/${n}`.padStart(8)}  ${String(r.inFirstSecond).padStart(8)}  ${all.padStart(10)}  ${rate}`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (flag('scenario') !== undefined) {
  console.log(JSON.stringify(await scenario(flag('root') ?? ROOT, flag('code') ?? 'this checkout')))
  // Hung POSTs and the slow receiver's timers would keep the process alive; the measurement is taken.
  process.exit(0)
} else {
  await orchestrate()
}
