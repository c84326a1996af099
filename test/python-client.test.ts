// clients/python/switchboard.py: its own unittest suite (real Switchboard processes, kill -9 included) run through python3.
import { describe, expect, it } from 'bun:test'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '..')
const python = Bun.which('python3')
if (!python) console.log('python-client: skipped, python3 not found on PATH')

describe.skipIf(!python)('the Python client', () => {
  it(
    'passes its unittest suite against real servers',
    async () => {
      const proc = Bun.spawn([python!, '-m', 'unittest', 'discover', '-s', 'clients/python', '-v'], {
        cwd: ROOT,
        // The suite starts servers with the bun running this test, whatever PATH says.
        env: { ...process.env, SWITCHBOARD_BUN: process.execPath, PYTHONDONTWRITEBYTECODE: '1' },
        stdin: 'ignore',
        stdout: 'pipe',
        stderr: 'pipe',
      })
      const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
      const report = out + err
      if (code !== 0) console.error(report)
      const ran = Number(/^Ran (\d+) tests? in /m.exec(report)?.[1] ?? 0)
      expect({ code, ok: /^OK$/m.test(report) }).toEqual({ code: 0, ok: true })
      // Every test ran: none skipped quietly, none lost to a discovery error.
      expect(ran).toBeGreaterThanOrEqual(17)
      expect(report).not.toContain('skipped')
    },
    { timeout: 180_000 },
  )
})
