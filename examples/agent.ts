// A small multi-agent run reported to a running Switchboard: copy this to wire your own agents in.
//
//   bun run start -- --no-demo        # a Switchboard at http://127.0.0.1:3000
//   bun run example                   # this file; answer its question in the page
//
// Env: SWITCHBOARD_URL (default http://127.0.0.1:3000), SWITCHBOARD_TOKEN (if the server has one).
// In another project, depend on this package and import from 'switchboard/client'.
import { AskTimeout, connect, type Agent } from 'switchboard/client'

const url = process.env.SWITCHBOARD_URL ?? 'http://127.0.0.1:3000'
const sb = connect({
  url,
  token: process.env.SWITCHBOARD_TOKEN || undefined,
  // Called when Switchboard refuses a batch (a wrong token, say); the SDK retries outages by itself.
  onError: (error) => console.error(`switchboard refused events: ${error.message}`),
})

// One id per run, so several runs sit side by side on the dashboard.
const run = `example-${Date.now().toString(36)}`
const id = (name: string) => `${run}-${name}`

/** Stands in for real work (an LLM call, a subprocess); your agent does something useful here. */
const work = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms))

/** Runs one agent's body; a throw shows as agent:failed on its card before it propagates. */
async function guarded<T>(agent: Agent, body: (agent: Agent) => Promise<T>): Promise<T> {
  try {
    return await body(agent)
  } catch (error) {
    agent.failed(error)
    throw error
  }
}

async function scan(agent: Agent): Promise<string[]> {
  agent.started()
  const files = await agent.tool('glob', { pattern: 'src/**/*.py' }, () => work(600, ['cli.py', 'parser.py', 'utils.py']))
  agent.completed({ files: files.length })
  return files
}

async function lint(agent: Agent, files: string[]): Promise<void> {
  agent.started()
  for (const file of files) await agent.tool('ruff', { file }, () => work(400, { fixed: file.length % 3 }))
  agent.completed('3 files clean')
}

async function docs(agent: Agent, files: string[]): Promise<string> {
  agent.started()
  // model(name, fn) reports the request and the response around fn; `tokens` on the result is picked up.
  await agent.model('claude-sonnet', () => work(700, { tokens: 1_250 }))
  // ask() blocks until a person answers on the dashboard (or through POST /agent/:id/respond).
  // It survives a Switchboard restart while it waits; timeoutS makes it reject with AskTimeout.
  console.log(`${agent.agent_id} is waiting for an answer: open ${url}`)
  let style: string
  try {
    style = await agent.ask(`Which docstring style for ${files.join(', ')}?`, { options: ['google', 'numpy', 'sphinx'], timeoutS: 600 })
  } catch (error) {
    if (!(error instanceof AskTimeout)) throw error
    style = 'google' // nobody answered: fall back to a default rather than fail the run
  }
  await agent.tool('write_docstrings', { style, files }, () => work(500, { written: files.length }))
  agent.completed(`docstrings in ${style} style`)
  return style
}

async function report(agent: Agent, style: string): Promise<void> {
  agent.started()
  await agent.model('claude-haiku', () => work(400, { tokens: 300 }))
  agent.completed(`lint clean, ${style} docstrings`)
}

async function main(): Promise<void> {
  // Announce the plan first: the dashboard lists every agent, with its dependencies, before it starts.
  const graph = sb.graph(run, [
    { agent_id: id('scan'), name: 'Scan sources' },
    { agent_id: id('lint'), name: 'Lint', depends_on: [id('scan')] },
    { agent_id: id('docs'), name: 'Docstrings', depends_on: [id('scan')] },
    { agent_id: id('report'), name: 'Report', depends_on: [id('lint'), id('docs')] },
  ])
  const agent = (name: string, label: string) => sb.agent(id(name), { graph_id: run, name: label })
  console.log(`reporting run ${run} to ${url}`)
  try {
    const files = await guarded(agent('scan', 'Scan sources'), scan)
    // lint and docs depend only on scan: they run side by side.
    const [, style] = await Promise.all([
      guarded(agent('lint', 'Lint'), (a) => lint(a, files)),
      guarded(agent('docs', 'Docstrings'), (a) => docs(a, files)),
    ])
    await guarded(agent('report', 'Report'), (a) => report(a, style))
    graph.completed('4 agents done')
    console.log(`done: ${style} docstrings`)
  } catch (error) {
    graph.failed(String(error))
    throw error
  } finally {
    // Delivers whatever is still queued before the process exits.
    await sb.close()
  }
}

await main()
