// The real server as a child process (`bun run src/main.ts --no-demo`, or `npm start`), its output collected as it comes.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')
const MAIN = resolve(ROOT, 'src/main.ts')
const SERVER = [process.execPath, 'run', MAIN, '--no-demo']
export const freePort = () => {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}
export const tempDir = () => mkdtempSync(join(tmpdir(), 'switchboard-life-'))

export interface Started {
  proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>
  url: string
  output: () => Promise<string>
}

/** Every server started, for the caller's afterEach to kill. */
export const running: Started[] = []

/** `command`: what starts the server, run in the project's folder (default: bun on src/main.ts, without the demo). */
export function spawn(env: Record<string, string>, command: string[] = SERVER) {
  const proc = Bun.spawn(command, {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', ...env },
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  })
  // Both pipes are read as they fill, so the text so far is there while the process runs.
  let text = ''
  const waiters = new Set<() => void>()
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder()
    const reader = stream.getReader()
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      text += decoder.decode(r.value, { stream: true })
      for (const wake of waiters) wake()
    }
  }
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)])
  const output = async () => (await pumped, text)
  const seen = (needle: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => (text.includes(needle) ? (waiters.delete(check), resolve()) : undefined)
      waiters.add(check)
      check()
      // Once the process is gone and both pipes are read to their end, the text is all there will be.
      void pumped.then(() => (check(), reject(new Error(`exited before "${needle}": ${text}`))))
    })
  return { proc, output, seen }
}

/** Start the server and wait until it says it is listening. */
export async function start(env: Record<string, string> = {}): Promise<Started> {
  const port = env.PORT ?? String(freePort())
  const { proc, output, seen } = spawn({ SWITCHBOARD_DB: join(tempDir(), 's.db'), ...env, PORT: port })
  const started = { proc, url: `http://127.0.0.1:${port}`, output }
  running.push(started)
  await seen('listening on')
  return started
}


/** Every process below `pid` now (Linux: /proc/<pid>/task/<pid>/children), children before grandchildren. */
export function descendants(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`
  const children = existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : []
  return children.flatMap((child) => [child, ...descendants(child)])
}

/** Still running (a zombie, waiting to be reaped, is not). */
export function alive(pid: number): boolean {
  const stat = `/proc/${pid}/stat`
  if (!existsSync(stat)) return false
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z'
  } catch {
    return false // gone between the two reads
  }
}
