// Fan-out benchmark entry: runs each scenario in a fresh process (clean RSS), prints Switchboard beside the baseline.
// Usage: bun run bench/fanout.ts [--clients=1,20,100] [--events=5000] [--rate=1000] [--agents=20]
import { flag, intFlag, listFlag } from './args'
import { runScenario, type ScenarioOptions, type ScenarioResult } from './scenario'
import { printTable } from './table'

const SCENARIO_LIMIT_MS = 120_000

function scenarioOptions(): ScenarioOptions {
  return {
    server: flag('server') === 'baseline' ? 'baseline' : 'switchboard',
    // In the orchestrator --clients is a list (1,20,100); each scenario gets one count of it.
    clients: flag('scenario') === undefined ? 0 : intFlag('clients', 100),
    events: intFlag('events', 5000),
    agents: intFlag('agents', 20),
    probeEvery: intFlag('probe-every', 100),
    rate: intFlag('rate', 1000),
    paced: flag('paced') === 'true',
    frameBytes: intFlag('frame-bytes', 2048),
    frameEvents: intFlag('frame-events', 4),
    timeoutMs: intFlag('timeout-ms', 60_000),
  }
}

/** Run one scenario in a child process (`--scenario`), so each server starts from a fresh heap. */
async function runChild(o: ScenarioOptions): Promise<ScenarioResult> {
  const args = Object.entries(o).map(([k, v]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}=${v}`)
  const proc = Bun.spawn([process.execPath, import.meta.path, '--scenario', ...args], { stdout: 'pipe', stderr: 'inherit' })
  const limit = setTimeout(() => proc.kill(), SCENARIO_LIMIT_MS)
  const out = await new Response(proc.stdout).text()
  clearTimeout(limit)
  if ((await proc.exited) !== 0) throw new Error(`scenario ${o.server} ×${o.clients} failed (exit ${proc.exitCode})`)
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

async function orchestrate() {
  const base = scenarioOptions()
  const clientCounts = listFlag('clients', [1, 20, 100])
  const rates = [base.rate, 0]
  const results: ScenarioResult[] = []
  for (const clients of clientCounts)
    for (const rate of rates) {
      const sb = await runChild({ ...base, server: 'switchboard', clients, rate })
      // The baseline sends frames shaped like the ones Switchboard just sent for this same run.
      const frameBytes = Math.round(sb.frameBytes)
      const frameEvents = Math.max(1, Math.round(sb.frameEvents))
      const raw = await runChild({ ...base, server: 'baseline', clients, rate, frameBytes, frameEvents })
      results.push(sb)
      // Flat out, the raw server takes the whole workload at once and sends one frame where Switchboard, whose
      // actors take time over each event, sends one per window. So it runs a second time at Switchboard's pace:
      // the same frames, the same number of them, and what is left between the two is the cost of fanning out.
      if (!rate) results.push(await runChild({ ...base, server: 'baseline', clients, rate: Math.round(sb.ingestPerSec), paced: true, frameBytes, frameEvents }))
      results.push(raw)
      console.error(`done: ${clients} client(s), ${rate ? `${rate} ev/s` : 'flat out'}`)
    }
  printTable(results, base)
}

if (flag('scenario') !== undefined) {
  console.log(JSON.stringify(await runScenario(scenarioOptions())))
  process.exit(0)
} else {
  await orchestrate()
  // The orchestrator imports the app's modules; elkjs among them keeps a timer alive.
  process.exit(0)
}
