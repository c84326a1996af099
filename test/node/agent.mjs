// An agent run by Node (not Bun) against the built SDK, imported by its package name as users do.
// Env: SWITCHBOARD_URL, SWITCHBOARD_TOKEN, AGENT_ID, MSG_ID. Prints one JSON line per step.
import { AskTimeout, connect, SwitchboardHttpError } from 'switchboard/client'

const say = (line) => console.log(JSON.stringify(line))
const refused = []
const sb = connect({
  url: process.env.SWITCHBOARD_URL,
  token: process.env.SWITCHBOARD_TOKEN || undefined,
  onError: (error, batch) => refused.push({ status: error.status, message: error.message, events: batch.length }),
})
say({ runtime: typeof Bun === 'undefined' ? 'node' : 'bun', node: process.versions.node })

const agent = sb.agent(process.env.AGENT_ID, { name: 'Node agent' })
agent.started()
const sum = await agent.tool('add', { a: 2, b: 3 }, () => 2 + 3)
try {
  const answer = await agent.ask(`Ship ${sum} files?`, { options: ['yes', 'no'], msgId: process.env.MSG_ID })
  agent.completed(`answered ${answer}`)
  say({ answer })
} catch (error) {
  const kind = error instanceof SwitchboardHttpError ? 'http' : error instanceof AskTimeout ? 'timeout' : 'other'
  say({ error: { kind, status: error.status, message: error.message } })
}
await sb.close()
say({ refused, dropped: sb.dropped })
