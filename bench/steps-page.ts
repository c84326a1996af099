// One agent of 10,000 steps in a real store file: how long its pages take, and the bytes of its first page as JSON.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EventStore } from '../src/events/event-store'
import { makeEvent, type Event } from '../src/protocol/event'
import { MAX_STEP_TEXT } from '../src/protocol/limits'

const T0 = 1_764_057_600_000
const STEPS = 10_000

/** 10,000 steps of one agent: tool calls with a path and a result of `resultChars`, model calls with a prompt and a completion; nested under a plan step every 10th when `nested`. */
function history(resultChars: number, nested: boolean): Event[] {
  const events: Event[] = [makeEvent('agent', 'started', { id: 'start', timestamp: T0, agent_id: 'big' })]
  const text = (i: number) => `${i} `.padEnd(resultChars, 'lorem ipsum ')
  for (let i = 0; i < STEPS; i++) {
    const at = T0 + i * 10
    const parent_id = nested && i % 10 !== 0 ? `c-${i - (i % 10)}` : undefined
    const link = { call_id: `c-${i}`, ...(parent_id ? { parent_id } : {}) }
    if (i % 2 === 0) {
      events.push(makeEvent('tool', 'called', { id: `tc-${i}`, timestamp: at, agent_id: 'big', payload: { tool: 'read_file', ...link, args: { path: `src/module-${i}.ts` } } }))
      events.push(makeEvent('tool', 'completed', { id: `td-${i}`, timestamp: at + 5, agent_id: 'big', payload: { tool: 'read_file', ...link, result: text(i) } }))
    } else {
      events.push(makeEvent('model', 'request', { id: `mq-${i}`, timestamp: at, agent_id: 'big', payload: { model: 'claude-sonnet', ...link, input: text(i) } }))
      events.push(makeEvent('model', 'response', { id: `mr-${i}`, timestamp: at + 5, agent_id: 'big', payload: { model: 'claude-sonnet', ...link, output: text(i), input_tokens: 900, output_tokens: 120, duration_ms: 5 } }))
    }
  }
  return events
}

function time<T>(fn: () => T): [T, number] {
  const started = performance.now()
  const out = fn()
  return [out, performance.now() - started]
}

async function measure(label: string, resultChars: number, nested: boolean) {
  const store = new EventStore(join(mkdtempSync(join(tmpdir(), 'switchboard-steps-bench-')), 'steps.db'))
  const events = history(resultChars, nested)
  const [, ingestMs] = time(() => {
    for (const e of events) store.append(e)
    store.commit()
  })
  store.steps.page('big', {})
  const [first, firstMs] = time(() => store.steps.page('big', {}))
  let cursor = first.next
  for (let i = 0; i < 50 && cursor; i++) cursor = store.steps.page('big', { cursor }).next
  const [, lastMs] = time(() => store.steps.page('big', { cursor }))
  const [errors, errorsMs] = time(() => store.steps.page('big', { kinds: ['model'], limit: 500 }))
  const [, rebuildMs] = time(() => store.steps.rebuild())
  const bytes = new TextEncoder().encode(JSON.stringify(first)).byteLength
  const cut = new TextEncoder().encode(JSON.stringify(store.steps.page('big', { textLimit: 500 }))).byteLength
  console.log(`| ${label} | ${bytes.toLocaleString('en')} | ${cut.toLocaleString('en')} | ${firstMs.toFixed(1)} | ${lastMs.toFixed(1)} | ${errorsMs.toFixed(1)} (${errors.steps.length}) | ${Math.round(ingestMs).toLocaleString('en')} | ${Math.round(rebuildMs).toLocaleString('en')} |`)
  store.close()
}

export async function measureStepPages() {
  console.log(`\n# one agent, ${STEPS.toLocaleString('en')} steps (half tool calls, half model calls, ${(2 * STEPS).toLocaleString('en')} events)\n`)
  console.log('| texts | first page JSON bytes (100 steps) | with textLimit 500 | first page ms | page 52 ms | 500 model steps ms | store 20,000 events ms | rebuild ms |\n|---|---|---|---|---|---|---|---|')
  await measure('results, prompts, completions of 300 chars', 300, false)
  await measure('the same, nested (9 children under every 10th)', 300, true)
  await measure(`every text at MAX_STEP_TEXT (${MAX_STEP_TEXT.toLocaleString('en')})`, MAX_STEP_TEXT, false)
}

if (import.meta.main) await measureStepPages()
