// Every card on the page can be answered by every control it shows: odd questions are refused at
// ingest with the field named, or become records whose card answers through its option buttons
// and its text box (regressions: cards that answered 404 "no question" or 400 "index below 0").
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { draftKey } from '../src/views/targets'
import { startTestServer, type TestServer } from './support/server'
import { req, post } from './support/http'

let s: TestServer
beforeAll(async () => {
  s = await startTestServer({ listen: false })
})
afterAll(() => s.stop())

let seq = 0
const blocked = (agent_id: string, payload: Record<string, unknown>) => ({
  id: `odd-${++seq}`,
  timestamp: Date.now(),
  category: 'agent',
  action: 'blocked',
  agent_id,
  payload,
})

/** The cards as the page has them: from /api/snapshot, the same view model the stream renders. */
async function cards(): Promise<Array<{ msg_id: string; agent_id: string; options: string[] }>> {
  return ((await (await s.app.handle(req('/api/snapshot'))).json()) as { blocked: never[] }).blocked
}

describe('odd questions at ingest', () => {
  const refused: Array<[string, Record<string, unknown>, string]> = [
    ['a 5,000-character question', { msg_id: 'long', question: 'x'.repeat(5_000) }, 'payload.question'],
    ['numeric options', { msg_id: 'nums', question: 'Pick', options: [1, 2] }, 'payload.options[0]'],
    ['60 options', { msg_id: 'many', question: 'Pick', options: Array.from({ length: 60 }, (_, i) => `o${i}`) }, 'payload.options'],
    ['an option of 5,000 characters', { msg_id: 'wide', question: 'Pick', options: ['ok', 'y'.repeat(5_000)] }, 'payload.options[1]'],
    ['timeout_s 0', { msg_id: 'zero', question: 'Now?', timeout_s: 0 }, 'payload.timeout_s'],
    ['an empty question', { msg_id: 'blank', question: '   ' }, 'payload.question'],
    ['no question', { msg_id: 'none' }, 'payload.question'],
    ['a msg_id with a newline', { msg_id: 'a\nb', question: 'q?' }, 'payload.msg_id'],
  ]
  for (const [what, payload, field] of refused)
    it(`refuses ${what} with 400 naming ${field}, and shows no card`, async () => {
      const res = await s.app.handle(post('/api/events', blocked(`odd-agent-${seq}`, payload)))
      expect(res.status).toBe(400)
      expect(((await res.json()) as { field: string }).field).toBe(field)
      expect((await cards()).map((c) => c.msg_id)).not.toContain(payload.msg_id as string)
    })

  it('refuses a msg_id that already holds a different question with 409', async () => {
    expect((await s.app.handle(post('/api/events', blocked('twice', { msg_id: 'held', question: 'First?' })))).status).toBe(202)
    const res = await s.app.handle(post('/api/events', blocked('twice', { msg_id: 'held', question: 'Second?' })))
    expect(res.status).toBe(409)
    expect(s.questions.status('held')?.question).toBe('First?')
  })
})

describe('odd questions that are accepted are answerable by every control', () => {
  const accepted: Array<[string, string, Record<string, unknown>]> = [
    ['20 options of 200 characters', 'wide-ok', { question: 'Pick one', options: Array.from({ length: 20 }, (_, i) => `${i}`.padEnd(200, 'z')) }],
    ['a 4,096-character question', 'long-ok', { question: 'q'.repeat(4_096), options: ['yes'] }],
    ['a msg_id of 200 characters', 'm'.repeat(200), { question: 'Long id?', options: ['yes', 'no'] }],
    ['ids that are object property names', 'constructor', { question: 'Proto?', options: ['__proto__', 'toString'] }],
    ['options with markup and quotes', `q'"<b>`, { question: '<script>alert(1)</script>', options: [`'); alert(1); ('`, '<i>x</i>'] }],
  ]
  for (const [what, msgId, payload] of accepted) {
    const agent = `__proto__-${msgId.length}-${what.length}`
    it(`${what}: each option button answers, and so does the text box`, async () => {
      expect((await s.app.handle(post('/api/events', blocked(agent, { ...payload, msg_id: msgId })))).status).toBe(202)
      const card = (await cards()).find((c) => c.msg_id === msgId)!
      expect(card.options).toEqual(payload.options as string[])
      // Every option button's request, one at a time on fresh copies of the question.
      for (let i = 0; i < card.options.length; i++) {
        const copy = `${msgId.slice(0, 190)}#${i}`
        s.questions.ask({ agent_id: agent, msg_id: copy, question: payload.question as string, options: payload.options as string[] })
        const res = await s.app.handle(post(`/agent/${encodeURIComponent(agent)}/respond?${new URLSearchParams({ msg_id: copy, option: String(i) })}`, {}))
        expect(res.status).toBe(200)
        expect(((await res.json()) as { answer: string }).answer).toBe(card.options[i]!)
      }
      // The text box, as the card sends it: the draft signal keyed by the msg_id.
      const typed = await s.app.handle(post(`/agent/${encodeURIComponent(agent)}/respond?${new URLSearchParams({ msg_id: msgId })}`, {
        responseDraft: { [draftKey(msgId)]: 'typed answer' },
      }))
      expect(typed.status).toBe(200)
      expect(s.questions.status(msgId)).toMatchObject({ status: 'answered', answer: 'typed answer' })
    })
  }

  it('an option index out of range is a 400 that leaves the card answerable', async () => {
    expect((await s.app.handle(post('/api/events', blocked('range', { msg_id: 'range-q', question: 'Pick', options: ['a'] })))).status).toBe(202)
    for (const option of ['1', '-1', '1.5', 'x'])
      expect((await s.app.handle(post(`/agent/range/respond?msg_id=range-q&option=${option}`, {}))).status).toBe(400)
    expect((await cards()).map((c) => c.msg_id)).toContain('range-q')
    expect((await s.app.handle(post('/agent/range/respond?msg_id=range-q&option=0', {}))).status).toBe(200)
    expect((await cards()).map((c) => c.msg_id)).not.toContain('range-q')
  })
})
