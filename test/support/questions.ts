// A queue with one question of every kind, asked the way agents ask (events, then the question API), for page tests.
import type { FormSchema } from '../../src/protocol/form'
import { makeEvent } from '../../src/protocol/event'
import type { TestServer } from './server'

export const DEPLOY_FORM: FormSchema = {
  type: 'object',
  properties: {
    env: { type: 'string', enum: ['staging', 'prod'], enumNames: ['Staging', 'Production'], title: 'Environment' },
    replicas: { type: 'integer', minimum: 1, maximum: 10, title: 'Replicas', description: 'Between 1 and 10' },
    notify: { type: 'string', format: 'email', title: 'Notify' },
    dry_run: { type: 'boolean', default: true, title: 'Dry run first' },
  },
  required: ['env', 'replicas'],
}

/** One long word with no break opportunity: it once made a phone page 1,146 px wide. */
export const UNBREAKABLE = `refactor_${'x'.repeat(160)}`

const CONTEXT = `The migration **drops** a column. Checked so far:

- \`users.legacy_id\` has no readers
- backups: [runbook](https://example.com/runbook)

\`\`\`sql
ALTER TABLE users DROP COLUMN legacy_id; -- ${'y'.repeat(80)}
\`\`\``

/** Ask one question of each kind from named agents of one run; returns their msg_ids, oldest first. */
export async function askEveryKind(server: TestServer, graphId = 'run-kinds') {
  const { bus, questions } = server
  bus.publish(
    makeEvent('graph', 'started', {
      graph_id: graphId,
      payload: {
        agents: [
          { agent_id: 'kinds-migrate', name: 'Migrator <b>db</b>' },
          { agent_id: 'kinds-deploy', name: 'Deployer' },
          { agent_id: 'kinds-refactor', name: 'Refactorer' },
          { agent_id: 'kinds-docs', name: 'Doc writer' },
        ],
      },
    }),
  )
  for (const agent of ['kinds-migrate', 'kinds-deploy', 'kinds-refactor', 'kinds-docs']) bus.publish(makeEvent('agent', 'started', { agent_id: agent, graph_id: graphId }))
  bus.publish(makeEvent('tool', 'called', { agent_id: 'kinds-migrate', graph_id: graphId, payload: { tool: 'psql', args: { query: 'select count(*) from users' } } }))
  bus.publish(makeEvent('tool', 'completed', { agent_id: 'kinds-migrate', graph_id: graphId, payload: { tool: 'psql', result: '0 readers' } }))
  bus.publish(makeEvent('tool', 'failed', { agent_id: 'kinds-migrate', graph_id: graphId, payload: { tool: 'pg_dump', error: 'permission denied' } }))
  const ask = (input: Record<string, unknown>) => questions.ask({ graph_id: graphId, ...input }).msg_id
  const approval = ask({
    agent_id: 'kinds-migrate',
    question: 'Drop users.legacy_id in production? <img src=x onerror=alert(1)>',
    kind: 'approval',
    context: CONTEXT,
    details: { table: 'users', rows: 120_443, column: 'legacy_id' },
  })
  const form = ask({ agent_id: 'kinds-deploy', question: 'How should I deploy release 2.4?', schema: DEPLOY_FORM })
  const options = ask({ agent_id: 'kinds-refactor', question: `Rename ${UNBREAKABLE}?`, options: [UNBREAKABLE, 'keep it'] })
  const text = ask({ agent_id: 'kinds-docs', question: 'Which docstring style: google or numpy?' })
  return { approval, form, options, text }
}
