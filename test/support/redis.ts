// A real redis-server for tests: a free port, a temp dir, nothing saved; stopped by the caller.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './process'

export const REDIS_SERVER = '/usr/bin/redis-server'
export const haveRedis = existsSync(REDIS_SERVER)
if (!haveRedis) console.warn(`skipping the Redis tests: ${REDIS_SERVER} is missing (apt-get install redis-server)`)

export interface TestRedis {
  url: string
  port: number
  proc: Bun.Subprocess
  stop(): Promise<void>
}

export async function startRedis(port = freePort()): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-redis-'))
  const proc = Bun.spawn([REDIS_SERVER, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdout: 'pipe',
    stderr: 'pipe',
  })
  // Ready when it says so on stdout.
  const reader = proc.stdout.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + 10_000
  while (!text.includes('Ready to accept connections')) {
    const { value, done } = await reader.read()
    if (done || Date.now() > deadline) throw new Error(`redis-server did not start: ${text}`)
    text += decoder.decode(value)
  }
  // Keep draining so a full pipe never stalls it.
  void (async () => { for (let r = await reader.read(); !r.done; r = await reader.read()); })()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    proc,
    async stop() {
      proc.kill('SIGKILL')
      await proc.exited
    },
  }
}
