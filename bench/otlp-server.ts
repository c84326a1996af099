// A real Switchboard in a child process (`bun run src/main.ts --no-demo`, as `npm start` runs it) on a fresh SQLite file:
// its URL, its CPU time from /proc, its counters from /metrics, and what its database holds once it has stopped.
import { Database } from 'bun:sqlite'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..')
const START_TIMEOUT_MS = 30_000
const STOP_TIMEOUT_MS = 10_000
const CLK_TCK = Number(Bun.spawnSync(['getconf', 'CLK_TCK']).stdout.toString().trim()) || 100

export interface ServerChild {
  url: string
  pid: number
  /** user + system CPU time of the whole process (every thread), ms */
  cpuMs(): number
  /** a counter or gauge of GET /metrics, without labels */
  metric(name: string): Promise<number>
  /** the WARN and ERROR lines it logged */
  complaints: string[]
  /** SIGTERM, a clean exit (code 0) or a throw; then the stored events counted by `category:action` in its database, which is removed */
  stop(): Promise<Map<string, number>>
  /** for a failure on the way: the child killed, the directory removed, nothing counted */
  kill(): void
}

/** Reads the child's log lines as they come: the listening line gives the URL; warnings are kept. */
async function watchLog(stream: ReadableStream<Uint8Array>, complaints: string[], onUrl: (url: string) => void): Promise<void> {
  const decoder = new TextDecoder()
  let pending = ''
  const reader = stream.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    pending += decoder.decode(read.value, { stream: true })
    const lines = pending.split('\n')
    pending = lines.pop()!
    for (const line of lines) {
      const url = /listening on (http:\/\/[^\s/]+)/.exec(line)?.[1]
      if (url) onUrl(url)
      if (/\b(WARN|ERROR|FATAL)\b/.test(line)) complaints.push(line)
    }
  }
}

export async function startServer(env: Record<string, string> = {}): Promise<ServerChild> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-otlp-'))
  const db = join(dir, 'switchboard.db')
  // Only what is set here: none of the caller's SWITCHBOARD_* (a token, webhooks, Redis) reaches the measured server.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SWITCHBOARD_') && k !== 'REDIS_URL'))
  const child = Bun.spawn([process.execPath, 'run', 'src/main.ts', '--no-demo'], {
    cwd: ROOT,
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', SWITCHBOARD_DB: db, ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const complaints: string[] = []
  // whole once the child has exited: what a failed start or stop says goes into the error
  const stderr = new Response(child.stderr).text()
  const remove = () => rmSync(dir, { recursive: true, force: true })
  const kill = () => {
    child.kill('SIGKILL')
    remove()
  }
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not say it was listening within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS)
    void watchLog(child.stdout, complaints, (u) => (clearTimeout(timer), resolve(u)))
    void child.exited.then(async (code) => (clearTimeout(timer), reject(new Error(`the server exited (${code}) before listening\n${await stderr}`))))
  }).catch((error) => {
    kill()
    throw error
  })
  const cpuMs = () => {
    // fields after the command's closing parenthesis: utime and stime are the 12th and 13th of them
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK
  }
  const metric = async (name: string) => {
    const text = await (await fetch(`${url}/metrics`)).text()
    const line = text.split('\n').find((l) => l.startsWith(`${name} `))
    if (!line) throw new Error(`/metrics has no ${name}`)
    return Number(line.slice(name.length + 1))
  }
  const stop = async () => {
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS)
    const code = await child.exited
    clearTimeout(timer)
    if (code !== 0) {
      remove()
      throw new Error(`the server did not stop cleanly (exit ${code})\n${await stderr}`)
    }
    try {
      const store = new Database(db, { readonly: true })
      const rows = store.query('SELECT category, action, count(*) AS n FROM events GROUP BY category, action').all() as Array<{ category: string; action: string; n: number }>
      store.close()
      return new Map(rows.map((r) => [`${r.category}:${r.action}`, r.n]))
    } finally {
      remove()
    }
  }
  return { url, pid: child.pid, cpuMs, metric, complaints, stop, kill }
}

/** Waits (bounded) until the child has used under 2% of a core over 200 ms: its start-up work (the inspector's layout, JIT) is not ingest. */
export async function settle(server: ServerChild, maxMs = 15_000): Promise<void> {
  const until = performance.now() + maxMs
  let last = server.cpuMs()
  while (performance.now() < until) {
    await Bun.sleep(200)
    const now = server.cpuMs()
    if (now - last < 4) return
    last = now
  }
}
