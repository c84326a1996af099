// The views as pure functions of a fixture view model: no server, no bus, just the HTML they render.
import { describe, expect, it } from 'bun:test'
import { signalsOf } from '../src/live/dashboard-stream'
import { AgentBook } from '../src/view-model/agent-book'
import { agentPanel } from '../src/view-model/agent-panel'
import type { AgentView, BlockedView, EventView, Progress, ResultView, ViewModel } from '../src/view-model/derive'
import { AgentBadge, AgentList } from '../src/views/agents'
import { BlockedCard, BlockedList, EmptyToast, Toast } from '../src/views/cards'
import { EventLog, LogLine, Results } from '../src/views/results'
import { Shell } from '../src/views/shell'
import { Summary } from '../src/views/summary'
import { NO_USAGE } from '../src/view-model/usage'
import { ids, jsString, routes } from '../src/views/targets'

// 2023-11-14T22:13:20.000Z
const T0 = 1_700_000_000_000
const SCRIPT = '<script>alert(1)</script>'
const BREAKOUT = `"'><img src=x onerror=1>`
const HOSTILE_MSG_ID = `a'b"c</x>`

// --- a tiny reader for the HTML the views render -------------------------------------------------

const ENTITIES: Record<string, string> = { '&quot;': '"', '&#34;': '"', '&#x27;': "'", '&#39;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' }
const decode = (s: string) => s.replace(/&(?:quot|#34|#x27|#39|lt|gt|amp);/g, (e) => ENTITIES[e]!)

interface Tag {
  name: string
  /** attribute names in source order, values decoded */
  attrs: Record<string, string>
  names: string[]
}

/** Every start tag, in order. Text is escaped and attribute values are double-quoted, so a regex suffices. */
function tags(html: string): Tag[] {
  const out: Tag[] = []
  for (const m of html.matchAll(/<([a-z][a-z0-9-]*)((?:\s+[^\s"'>/=]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    const attrs: Record<string, string> = Object.create(null)
    const names: string[] = []
    for (const a of m[2]!.matchAll(/([^\s"'>/=]+)(?:="([^"]*)")?/g)) {
      attrs[a[1]!] = decode(a[2] ?? '')
      names.push(a[1]!)
    }
    out.push({ name: m[1]!, attrs, names })
  }
  return out
}

const tagsNamed = (html: string, name: string) => tags(html).filter((t) => t.name === name)
const withClass = (html: string, cls: string) => tags(html).filter((t) => (t.attrs.class ?? '').split(' ').includes(cls))
const allIds = (html: string) => tags(html).flatMap((t) => (t.attrs.id === undefined ? [] : [t.attrs.id]))
/** The HTML with every attribute value emptied: what is left is markup and text. */
const withoutAttributeValues = (html: string) => html.replace(/="[^"]*"/g, '=""')
/** The decoded text of the first element with this class. */
function textOf(html: string, tag: string, cls: string): string {
  const m = html.match(new RegExp(`<${tag} class="${cls}"[^>]*>([\\s\\S]*?)</${tag}>`))
  if (!m) throw new Error(`no <${tag} class="${cls}"> in ${html}`)
  return decode(m[1]!)
}
/** Evaluate the single-quoted JS literal inside `@post(…)`/`@get(…)`, as Datastar would. */
function actionArgument(expression: string): string {
  const m = expression.match(/@(?:post|get)\(('(?:[^'\\]|\\.)*')\)/)
  if (!m) throw new Error(`no action in ${expression}`)
  return new Function(`return ${m[1]}`)() as string
}
const dataOnValues = (html: string) => tags(html).flatMap((t) => t.names.filter((n) => n.startsWith('data-on-')).map((n) => t.attrs[n]!))

// --- fixtures -------------------------------------------------------------------------------------

const card = (over: Partial<BlockedView> = {}): BlockedView => ({
  msg_id: 'm1',
  agent_id: 'a1',
  agent_name: 'Docs',
  question: 'Which docstring style?',
  options: ['google', 'numpy'],
  kind: 'options',
  tools: [],
  asked_at: T0,
  ...over,
})

const hostileCard = card({ msg_id: HOSTILE_MSG_ID, agent_id: '__proto__', agent_name: SCRIPT, question: BREAKOUT, options: [SCRIPT, BREAKOUT] })

const agent = (over: Partial<AgentView> = {}): AgentView => ({
  agent_id: 'a1',
  name: 'Docs',
  state: 'running',
  label: 'Running',
  current_tool: 'ruff',
  tool_calls: 1,
  model_calls: 0,
  entered_at: T0,
  graph_id: 'g1',
  quiet_for: null,
  usage: NO_USAGE,
  turn: 1,
  unanswered: null,
  ...over,
})

const progress = (over: Partial<Progress> = {}): Progress => ({ total: 0, completed: 0, failed: 0, skipped: 0, blocked: 0, running: 0, answered: 0, idle: 0, waiting: 0, cancelled: 0, ...over })

const entry = (over: Partial<EventView> = {}): EventView => ({
  id: 'e1',
  timestamp: T0,
  category: 'agent',
  action: 'blocked',
  agent_id: 'a1',
  summary: 'asked: Which docstring style?',
  payload: { msg_id: 'm1', question: 'Which docstring style?' },
  ...over,
})

/** The panel the page would show for these agents, through the same book the stream keeps. */
function panelOf(agents: readonly AgentView[]) {
  const book = new AgentBook()
  for (const { quiet_for: _q, ...a } of agents) book.put({ ...a, updated_at: null, result: undefined, recent_tools: [], models: [] })
  return agentPanel(book, T0, Infinity)
}

const model = (over: Partial<ViewModel> = {}): ViewModel => ({
  panel: panelOf([]),
  blocked: [],
  progress: progress(),
  usage: NO_USAGE,
  graphs: [],
  results: [],
  events: [],
  now: T0,
  ...over,
})

const assets = { datastar: '/assets/datastar.abc.js', bridge: '/assets/bridge.abc.js', css: '/assets/styles.abc.css', notify: '/assets/notify.abc.js', clock: '/assets/clock.abc.js' }

// --- the views ------------------------------------------------------------------------------------

describe('BlockedCard', () => {
  it('is an article with the id ids.card(msg_id), labelled by its agent', () => {
    const html = String(BlockedCard({ now: T0, card: card() }))
    const [article] = tags(html)
    expect(article!.names).toEqual(['id', 'class', 'tabindex', 'aria-labelledby', 'data-search', 'data-show'])
    expect(article!.attrs).toMatchObject({ id: 'card-m1', class: 'card kind-options', 'aria-labelledby': 'card-m1-from card-m1-q', 'data-search': 'docs a1 ' })
    expect(ids.card('m1')).toBe('card-m1')
    expect(html.endsWith('</article>')).toBe(true)
  })

  it('shows the agent (linked to its page), when it asked, and the question', () => {
    const html = String(BlockedCard({ now: T0, card: card() }))
    expect(html).toContain('<a class="name" id="card-m1-from" href="/agents/a1">Docs</a>')
    expect(html).toContain('<time>asked 22:13:20</time>')
    expect(textOf(html, 'p', 'question')).toBe('Which docstring style?')
  })

  it('has one button per option, each with its own id and its own respond URL quoted for Datastar', () => {
    const html = String(BlockedCard({ now: T0, card: card() }))
    const buttons = withClass(html, 'option')
    expect(buttons.map((b) => [b.attrs.id, b.attrs['data-on-click']])).toEqual([
      ['card-m1-option-0', "@post('/agent/a1/respond?msg_id=m1\\u0026option=0')"],
      ['card-m1-option-1', "@post('/agent/a1/respond?msg_id=m1\\u0026option=1')"],
    ])
    expect(buttons.map((b) => actionArgument(b.attrs['data-on-click']!))).toEqual([
      '/agent/a1/respond?msg_id=m1&option=0',
      '/agent/a1/respond?msg_id=m1&option=1',
    ])
    expect(html).toContain('>google</button>')
    expect(html).toContain('>numpy</button>')
  })

  it('binds the free-text answer to its draft signal and sends it with Enter or the Send button', () => {
    const html = String(BlockedCard({ now: T0, card: card() }))
    const [input] = tagsNamed(html, 'input')
    expect(input!.attrs).toMatchObject({
      id: 'card-m1-text',
      name: 'answer',
      maxlength: '4096',
      'data-bind': 'responseDraft.mm1',
      'data-on-keydown': "evt.key === 'Enter' && @post('/agent/a1/respond?msg_id=m1')",
    })
    const [send] = withClass(html, 'submit')
    expect(send!.attrs).toMatchObject({ id: 'card-m1-send', 'data-on-click': "@post('/agent/a1/respond?msg_id=m1')" })
  })

  it('disables the whole fieldset from the card\'s _busy signal, set by every control\'s request indicator', () => {
    const html = String(BlockedCard({ now: T0, card: card() }))
    const [fieldset] = tagsNamed(html, 'fieldset')
    expect(fieldset!.attrs['data-attr-disabled']).toBe('$_busy.mm1')
    const controls = tags(html).filter((t) => t.name === 'button' || t.name === 'input')
    expect(controls).toHaveLength(5)
    for (const c of controls) expect(c.attrs['data-indicator']).toBe('_busy.mm1')
  })

  it('gives every element with an id an id of its own', () => {
    const list = allIds(String(BlockedCard({ now: T0, card: card() })))
    expect(list).toEqual(['card-m1', 'card-m1-from', 'card-m1-wait', 'card-m1-q', 'card-m1-option-0', 'card-m1-option-1', 'card-m1-text', 'card-m1-send', 'card-m1-withdraw'])
    expect(new Set(allIds(String(BlockedCard({ now: T0, card: hostileCard })))).size).toBe(9)
  })

  it('renders no option buttons for a free-text question', () => {
    const html = String(BlockedCard({ now: T0, card: card({ options: [], kind: 'text' }) }))
    expect(withClass(html, 'option')).toEqual([])
    expect(withClass(html, 'options')).toEqual([])
    expect(allIds(html)).toEqual(['card-m1', 'card-m1-from', 'card-m1-wait', 'card-m1-q', 'card-m1-text', 'card-m1-send', 'card-m1-withdraw'])
  })

  it('escapes a hostile agent name, question and options into text, creating no element', () => {
    const html = String(BlockedCard({ now: T0, card: hostileCard }))
    expect(new Set(tags(html).map((t) => t.name))).toEqual(new Set(['article', 'header', 'a', 'time', 'span', 'p', 'fieldset', 'legend', 'div', 'button', 'input']))
    expect(withoutAttributeValues(html)).not.toContain('<script')
    expect(withoutAttributeValues(html)).not.toContain('<img')
    expect(html).toContain('href="/agents/__proto__">&lt;script&gt;alert(1)&lt;/script&gt;</a>')
    // The agent's name reaches no attribute: the card is labelled by reference to the name's element.
    expect(html).not.toContain('alert(1)"')
    expect(textOf(html, 'p', 'question')).toBe(BREAKOUT)
    expect(withClass(html, 'option').map((b) => b.attrs.id)).toEqual(['card-a_27_b_22_c_3c__2f_x_3e_-option-0', 'card-a_27_b_22_c_3c__2f_x_3e_-option-1'])
    expect(html).toContain('>&lt;script&gt;alert(1)&lt;/script&gt;</button>')
    const [article] = tags(html)
    expect(article!.names).toEqual(['id', 'class', 'tabindex', 'aria-labelledby', 'data-search', 'data-show'])
  })

  it('keeps a name with quotes inside its attribute: no attribute of its own is added', () => {
    const html = String(BlockedCard({ now: T0, card: card({ agent_name: 'x" onfocus="alert(1)' }) }))
    const [article] = tags(html)
    expect(article!.names).toEqual(['id', 'class', 'tabindex', 'aria-labelledby', 'data-search', 'data-show'])
    expect(html).toContain('>x&quot; onfocus=&quot;alert(1)</a>')
    expect(html).not.toContain('onfocus="')
  })

  it('gives a hostile msg_id and agent id to Datastar only as jsString-quoted, URL-encoded text', () => {
    const html = String(BlockedCard({ now: T0, card: hostileCard }))
    expect(ids.card(HOSTILE_MSG_ID)).toBe('card-a_27_b_22_c_3c__2f_x_3e_')
    const [article] = tags(html)
    expect(article!.attrs.id).toBe('card-a_27_b_22_c_3c__2f_x_3e_')
    const actions = dataOnValues(html)
    expect(actions).toHaveLength(5)
    expect(actions[0]).toBe("@post('/agent/__proto__/respond?msg_id=a%27b%22c%3C%2Fx%3E\\u0026option=0')")
    for (const action of actions) {
      expect(action).not.toContain('<')
      expect(action).not.toContain('>')
      expect(action).not.toContain('"')
    }
    const url = new URL(actionArgument(actions[3]!), 'http://x')
    expect(url.pathname).toBe('/agent/__proto__/respond')
    expect(url.searchParams.get('msg_id')).toBe(HOSTILE_MSG_ID)
    // the raw markup never reaches an attribute either: draft and busy keys are encoded too
    expect(html).not.toContain('</x>')
    expect(tagsNamed(html, 'input')[0]!.attrs['data-bind']).toBe('responseDraft.ma_27_b_22_c_3c__2f_x_3e_')
  })

  it('quotes an agent id that closes the JS string so that the expression keeps one string argument', () => {
    const agentId = "x');alert(1);('$y@z"
    const html = String(BlockedCard({ now: T0, card: card({ agent_id: agentId }) }))
    const [send] = withClass(html, 'submit')
    const click = send!.attrs['data-on-click']!
    expect(click).toBe("@post('/agent/x\\u0027)%3Balert(1)%3B(\\u0027%24y%40z/respond?msg_id=m1')")
    // exactly the two quotes of jsString; no `$signal` or `@action` Datastar could rewrite
    expect(click.split("'")).toHaveLength(3)
    expect(click.slice(1)).not.toMatch(/[$@]/)
    expect(decodeURIComponent(actionArgument(click).split('/')[2]!)).toBe(agentId)
  })
})

describe('jsString', () => {
  it('quotes a string for a single-quoted JS literal with every dangerous character as \\u escape', () => {
    expect(jsString(`a'b"c<>&\\\u2028\u2029`)).toBe("'a\\u0027b\\u0022c\\u003c\\u003e\\u0026\\u005c\\u2028\\u2029'")
    expect(new Function(`return ${jsString(`${SCRIPT}${BREAKOUT}`)}`)()).toBe(`${SCRIPT}${BREAKOUT}`)
  })
})

describe('BlockedList', () => {
  it('is the blocked-list target holding the cards in the order given', () => {
    const html = String(BlockedList({ now: T0, blocked: [card(), card({ msg_id: 'm2', agent_id: 'a2' })] }))
    expect(html.startsWith('<div id="blocked-list" class="blocked-list"><article id="card-m1"')).toBe(true)
    expect(tagsNamed(html, 'article').map((a) => a.attrs.id)).toEqual(['card-m1', 'card-m2'])
    expect(html.endsWith('</article></div>')).toBe(true)
  })

  it('renders an empty target when nothing is blocked', () => {
    expect(String(BlockedList({ now: T0, blocked: [] }))).toBe('<div id="blocked-list" class="blocked-list"></div>')
  })
})

describe('AgentBadge', () => {
  it('marks a quiet agent and says since when it has been silent, for the page to count', () => {
    const html = String(AgentBadge({ agent: agent({ quiet_for: 12 * 60_000 }), now: T0 + 13 * 60_000 }))
    expect(html).toContain('class="badge state-running quiet"')
    expect(html).toContain(`<span class="state"><span>Running</span><span class="quiet-for" data-since="${T0 + 60_000}" data-prefix=" · quiet "></span></span>`)
  })

  it('shows name, state label, current tool and when it entered its state, the same whatever the clock', () => {
    const at = (now: number) => String(AgentBadge({ agent: agent(), now }))
    expect(at(T0 + 65_000)).toBe(
      '<li id="agent-a1" class="badge state-running">' +
        '<a class="name" href="/agents/a1" title="Open the agent\'s page">Docs</a>' +
        `<span class="state"><span>Running</span></span><span class="tool">ruff</span><span class="since" data-since="${T0}"></span></li>`,
    )
    // Time passing changes nothing the server sends: the page counts (clock.js).
    expect(at(T0 + 3_600_000)).toBe(at(T0 + 65_000))
  })

  it('counts no time in state for an idle or finished agent, or one never entered', () => {
    const since = (a: AgentView) => tags(String(AgentBadge({ agent: a, now: T0 + 5_000 }))).find((t) => t.attrs.class === 'since')!.attrs['data-since']
    expect(since(agent({ state: 'blocked', label: 'Waiting for answer', current_tool: null }))).toBe(String(T0))
    expect(since(agent({ state: 'idle', label: 'Waiting to start' }))).toBeUndefined()
    expect(since(agent({ state: 'done', label: 'Done' }))).toBeUndefined()
    expect(since(agent({ state: 'failed', label: 'Failed' }))).toBeUndefined()
    expect(since(agent({ entered_at: null }))).toBeUndefined()
  })

  it("shows a failed agent's error as its first line, the whole in the title, escaped", () => {
    const error = `pytest exit 1 ${SCRIPT}\n  File "test_x.py", line 3\nAssertionError`
    const html = String(AgentBadge({ agent: agent({ state: 'failed', label: 'Failed', error }), now: T0 }))
    const line = tags(html).find((t) => t.attrs.class === 'error')!
    expect(line.attrs.title).toBe(error)
    expect(html).toContain('<span class="error" title="')
    expect(html).toContain('>pytest exit 1 &lt;script&gt;alert(1)&lt;/script&gt;</span>')
    expect(html).not.toContain('AssertionError</span>')
    expect(tags(html).some((t) => t.name === 'script')).toBe(false)
    expect(String(AgentBadge({ agent: agent(), now: T0 }))).not.toContain('class="error"')
  })

  it('says which blocked or failed dependency an idle agent waits on, linked to its page', () => {
    const html = String(AgentBadge({ agent: agent({ state: 'idle', label: 'Waiting to start', waiting_on: { agent_id: 'b/1', name: SCRIPT, state: 'failed' } }), now: T0 }))
    expect(html).toContain('<span class="waiting-on" title="Waiting to start: it depends on this agent, which is failed">waiting on <a href="/agents/b%2F1">&lt;script&gt;alert(1)&lt;/script&gt;</a></span>')
    expect(String(AgentBadge({ agent: agent({ state: 'idle', label: 'Waiting to start' }), now: T0 }))).not.toContain('waiting on')
  })

  it('encodes __proto__ and constructor ids into element ids and escapes a hostile name', () => {
    const proto = String(AgentBadge({ agent: agent({ agent_id: '__proto__', name: SCRIPT, current_tool: BREAKOUT }), now: T0 }))
    expect(tags(proto)[0]!.attrs.id).toBe('agent-_5f__5f_proto_5f__5f_')
    expect(proto).toContain('href="/agents/__proto__"')
    expect(proto).toContain('>&lt;script&gt;alert(1)&lt;/script&gt;</a>')
    expect(textOf(proto, 'span', 'tool')).toBe(BREAKOUT)
    expect(withoutAttributeValues(proto)).not.toMatch(/<script|<img/)
    const ctor = String(AgentBadge({ agent: agent({ agent_id: 'constructor', name: 'constructor' }), now: T0 }))
    expect(tags(ctor)[0]!.attrs.id).toBe('agent-constructor')
    expect(ctor).toContain('href="/agents/constructor"')
  })

  it('URL-encodes a hostile agent id in its page link', () => {
    const html = String(AgentBadge({ agent: agent({ agent_id: BREAKOUT }), now: T0 }))
    const [, link] = tags(html)
    expect(link!.attrs.href).toBe("/agents/%22'%3E%3Cimg%20src%3Dx%20onerror%3D1%3E")
    expect(withoutAttributeValues(html)).not.toContain('<img')
  })
})

describe('AgentList', () => {
  it('is the agent-list target with one badge per agent, in the order given', () => {
    const html = String(
      AgentList({ agents: [agent(), agent({ agent_id: '__proto__' }), agent({ agent_id: 'constructor', state: 'done', label: 'Done' })], now: T0 }),
    )
    expect(html.startsWith('<ul id="agents" class="agent-list"><li ')).toBe(true)
    expect(tagsNamed(html, 'li').map((li) => [li.attrs.id, li.attrs.class])).toEqual([
      ['agent-a1', 'badge state-running'],
      ['agent-_5f__5f_proto_5f__5f_', 'badge state-running'],
      ['agent-constructor', 'badge state-done'],
    ])
    expect(String(AgentList({ agents: [], now: T0 }))).toBe('<ul id="agents" class="agent-list"></ul>')
  })
})

describe('Results', () => {
  const results: ResultView[] = [
    { agent_id: 'a2', agent_name: SCRIPT, result: 'boom <b>', at: T0 + 2_000, status: 'failed' },
    { agent_id: 'a1', agent_name: 'Docs', result: { files: 3, note: '"ok"' }, at: T0 + 1_000, status: 'done' },
    { agent_id: 'a3', agent_name: 'Quiet', result: undefined, at: T0, status: 'done' },
  ]

  it('is the results target with one entry per result, in the order given, classed by status', () => {
    const html = String(Results({ results }))
    expect(html.startsWith('<ol id="results" class="results" tabindex="0" aria-label="Results, newest first">')).toBe(true)
    expect(tagsNamed(html, 'li').map((li) => li.attrs.class)).toEqual(['result failed', 'result done', 'result done'])
    expect([...html.matchAll(/<time>([^<]*)<\/time>/g)].map((m) => m[1])).toEqual(['22:13:22', '22:13:21', '22:13:20'])
    expect(String(Results({ results: [] }))).toBe('<ol id="results" class="results" tabindex="0" aria-label="Results, newest first"></ol>')
  })

  it('shows a text result as text, anything else as JSON, and nothing for none, all escaped', () => {
    const html = String(Results({ results }))
    const texts = [...html.matchAll(/<span class="text">([^<]*)<\/span>/g)].map((m) => decode(m[1]!))
    expect(texts).toEqual(['boom <b>', '{"files":3,"note":"\\"ok\\""}', ''])
    expect(html).toContain('<span class="text">boom &lt;b&gt;</span>')
    expect(html).toContain('<a class="name" href="/agents/a2">&lt;script&gt;alert(1)&lt;/script&gt;</a>')
    expect(withoutAttributeValues(html)).not.toMatch(/<script|<b>/)
  })
})

describe('LogLine', () => {
  it('summarises the event and shows its payload in a <pre> inside <details>', () => {
    const html = String(LogLine({ entry: entry() }))
    expect(html).toMatch(/^<li class="log-line cat-agent"><details><summary>.*<\/summary><a class="agent-link" href="\/agents\/a1">a1: the agent&#x27;s page<\/a><pre class="payload">[\s\S]*<\/pre><\/details><\/li>$/)
    expect(html).toContain('<time>22:13:20</time><span class="kind">agent:blocked</span><span class="agent">a1</span>')
    expect(textOf(html, 'span', 'text')).toBe('asked: Which docstring style?')
    expect(textOf(html, 'pre', 'payload')).toBe('{\n  "msg_id": "m1",\n  "question": "Which docstring style?"\n}')
  })

  it('says "(no payload)" for an empty payload and leaves the agent empty when there is none', () => {
    const html = String(LogLine({ entry: entry({ category: 'graph', action: 'completed', agent_id: undefined, summary: 'graph completed', payload: {} }) }))
    expect(html).toContain('<li class="log-line cat-graph">')
    expect(html).toContain('<span class="kind">graph:completed</span><span class="agent"></span>')
    expect(textOf(html, 'pre', 'payload')).toBe('(no payload)')
  })

  it('escapes hostile summary, agent id and payload text', () => {
    const html = String(LogLine({ entry: entry({ agent_id: BREAKOUT, summary: `asked: ${SCRIPT}`, payload: { question: SCRIPT, [BREAKOUT]: 1 } }) }))
    expect(withoutAttributeValues(html)).not.toMatch(/<script|<img/)
    expect(textOf(html, 'span', 'agent')).toBe(BREAKOUT)
    // the agent's page is linked from the opened line, outside the summary
    expect(html).toContain(`<a class="agent-link" href="${routes.agent(BREAKOUT)}">`)
    expect(textOf(html, 'span', 'text')).toBe(`asked: ${SCRIPT}`)
    expect(JSON.parse(textOf(html, 'pre', 'payload'))).toEqual({ question: SCRIPT, [BREAKOUT]: 1 })
  })
})

describe('EventLog', () => {
  it('is the event-list target with one line per entry, in the order given', () => {
    const html = String(EventLog({ events: [entry({ id: 'e2', action: 'completed' }), entry()] }))
    expect(html.startsWith('<ol id="event-list" class="event-list" tabindex="0" aria-label="Events, newest first"><li class="log-line cat-agent">')).toBe(true)
    expect([...html.matchAll(/<span class="kind">([^<]*)<\/span>/g)].map((m) => m[1])).toEqual(['agent:completed', 'agent:blocked'])
  })
})

describe('Summary', () => {
  /** [class, count, words, href] of each count in the header */
  const countsOf = (html: string) =>
    [...html.matchAll(/<li class="([^"]*)"><a href="([^"]*)"><span class="n">(\d+)<\/span> (\w+)<\/a><\/li>/g)].map((m) => [m[1], m[3], m[4], decode(m[2]!)])

  it('shows completed/total, the counts, and the share finished as the bar', () => {
    const html = String(Summary({ usage: NO_USAGE, progress: progress({ total: 4, completed: 1, failed: 1, skipped: 1, blocked: 1, running: 0 }) }))
    expect(tags(html)[0]!.attrs).toEqual({ id: 'summary', class: 'summary', 'aria-label': 'Progress' })
    expect(html).toContain('<a href="/agents?state=done"><strong>1</strong></a>/<a href="/agents">4</a> completed')
    // done, failed and skipped are all finished: 3 of 4
    expect(html).toContain('aria-valuenow="75"')
    expect(html).toContain('<div class="bar-fill" style="width:75%"></div>')
    expect(countsOf(html).map((c) => c.slice(0, 3))).toEqual([
      ['count running', '0', 'running'],
      ['count blocked attention', '1', 'blocked'],
      ['count failed', '1', 'failed'],
      ['count skipped', '1', 'skipped'],
    ])
  })

  it('makes every count a link to the list of its agents', () => {
    const html = String(Summary({ usage: NO_USAGE, progress: progress({ total: 9, completed: 2, failed: 3, skipped: 1, blocked: 1, running: 2 }) }))
    expect(countsOf(html).map(([, n, what, href]) => [what, n, href])).toEqual([
      ['running', '2', '/agents?state=running'],
      ['blocked', '1', '/agents?state=blocked'],
      ['failed', '3', '/agents?state=failed'],
      ['skipped', '1', '/agents?state=skipped'],
    ])
    expect(tags(html).filter((t) => t.name === 'a').map((t) => t.attrs.href)).toEqual([
      '/agents?state=done',
      '/agents',
      '/agents?state=running',
      '/agents?state=blocked',
      '/agents?state=failed',
      '/agents?state=skipped',
    ])
  })

  it("links a run's counts to that run's agents", () => {
    const html = String(Summary({ usage: NO_USAGE, progress: progress({ total: 2, failed: 1, running: 1 }), graphId: `r&1 ${BREAKOUT}` }))
    const run = `r&1 ${BREAKOUT}`
    expect(countsOf(html).find((c) => c[2] === 'failed')![3]).toBe(`/agents?${new URLSearchParams({ state: 'failed', run })}`)
    expect(tags(html).some((t) => t.name === 'img')).toBe(false)
  })

  it('says what a stalled swarm waits for: nothing running and questions pending, linked to the queue', () => {
    const stalled = String(Summary({ usage: NO_USAGE, progress: progress({ total: 8, blocked: 2, running: 0 }) }))
    expect(stalled).toContain('<li class="count stalled attention"><a href="/#h-questions">stalled on 2 questions</a></li>')
    const one = String(Summary({ usage: NO_USAGE, progress: progress({ total: 8, blocked: 1 }), graphId: 'r 1' }))
    expect(one).toContain('<a href="/?queue=r+1#h-questions">stalled on 1 question</a>')
    expect(String(Summary({ usage: NO_USAGE, progress: progress({ total: 8, blocked: 2, running: 1 }) }))).not.toContain('stalled')
    expect(String(Summary({ usage: NO_USAGE, progress: progress({ total: 8, blocked: 0 }) }))).not.toContain('stalled')
  })

  it('counts cancelled agents as finished and rounds the percentage', () => {
    const html = String(Summary({ usage: NO_USAGE, progress: progress({ total: 3, cancelled: 2, running: 1 }) }))
    expect(html).toContain('aria-valuenow="67"')
    expect(html).toContain('style="width:67%"')
    expect(html).toContain('<strong>0</strong></a>/<a href="/agents">3</a> completed')
    expect(html).toContain('<li class="count running"><a href="/agents?state=running"><span class="n">1</span> running</a></li>')
  })

  it('shows 0% for an empty swarm, with no attention on blocked', () => {
    const html = String(Summary({ usage: NO_USAGE, progress: progress() }))
    expect(html).toContain('<strong>0</strong></a>/<a href="/agents">0</a> completed')
    expect(html).toContain('aria-valuenow="0"')
    expect(html).toContain('style="width:0%"')
    expect(html).toContain('<li class="count blocked"><a href="/agents?state=blocked"><span class="n">0</span> blocked</a></li>')
  })
})

describe('Toast', () => {
  it('is the toast live region, classed ok or error, numbered, its text escaped', () => {
    expect(String(Toast({ text: 'Answer sent', ok: true, seq: 3 }))).toBe(
      '<div id="toast" class="toast ok" role="status" aria-live="polite" data-seq="3"><span>Answer sent</span></div>',
    )
    const html = String(Toast({ text: `Could not answer ${SCRIPT}`, ok: false, seq: 4 }))
    expect(tags(html)[0]!.attrs).toEqual({ id: 'toast', class: 'toast error', role: 'status', 'aria-live': 'polite', 'data-seq': '4' })
    expect(html).toContain('<span>Could not answer &lt;script&gt;alert(1)&lt;/script&gt;</span>')
  })

  it('starts empty, with the same id and live region', () => {
    expect(String(EmptyToast())).toBe('<div id="toast" class="toast" role="status" aria-live="polite"></div>')
  })
})

describe('Shell', () => {
  const manyAgents = Array.from({ length: 300 }, (_, i) => agent({ agent_id: `agent-${i}`, name: `Agent ${i} ${'x'.repeat(100)}` }))
  const blocked = [hostileCard, card({ msg_id: 'm2', question: 'q'.repeat(4000) })]
  const fullModel = model({
    panel: panelOf([...manyAgents, agent({ agent_id: '__proto__', name: SCRIPT }), agent({ agent_id: 'constructor', name: BREAKOUT })]),
    blocked,
    progress: progress({ total: 302, running: 302, blocked: 2 }),
    results: [{ agent_id: '__proto__', agent_name: SCRIPT, result: BREAKOUT, at: T0, status: 'done' }],
  })
  const log = [entry({ summary: `asked: ${SCRIPT}`, payload: { question: SCRIPT } })]
  // what GET / hands the shell (src/server/routes/page.tsx)
  const pageSignals = (m: ViewModel) => ({ tab: 't-1', ...signalsOf(m), responseDraft: {} })
  const render = (include: readonly string[] = ['agent', 'graph']) =>
    String(Shell({ model: fullModel, log, include, signals: pageSignals(fullModel), assets, now: T0 }))

  it('seeds data-signals with the tab, the blocked count and an empty draft, however big the swarm', () => {
    const html = render()
    const [body] = tagsNamed(html, 'body')
    expect(body!.names).toEqual(['data-signals'])
    const raw = body!.attrs['data-signals']!
    expect(JSON.parse(raw)).toEqual({ tab: 't-1', blocked: 2, responseDraft: {} })
    expect(raw).toBe('{"tab":"t-1","blocked":2,"responseDraft":{}}')
  })

  it('starts the stream from an element outside every patch target, once', () => {
    const html = render()
    expect(html).toMatch(
      /<body data-signals="[^"]*"><div id="stream" hidden data-on-load="@get\('\/events\?include=agent,graph'\)"><\/div><header class="top">/,
    )
    expect(html.split('data-on-load').length - 1).toBe(1)
    const stream = html.indexOf('<div id="stream"')
    // every patch target opens after the stream element has closed
    const targets = [ids.summary, ids.toast, ids.blockedList, ids.agentList, ids.results, ids.eventList, ids.card('m2'), ids.agent('agent-0')]
    for (const target of targets) {
      expect(allIds(html).filter((id) => id === target)).toHaveLength(1)
      expect(html.indexOf(`id="${target}"`)).toBeGreaterThan(stream)
    }
    expect(html.slice(0, stream)).not.toMatch(/<(?:section|ul|ol|div|li|article)\b/)
    expect(String(Shell({ model: model(), log: [], include: [], signals: {}, assets, now: T0 }))).toContain(
      `<div id="stream" hidden data-on-load="@get('/events')"></div>`,
    )
  })

  it('renders every panel from the model it is given', () => {
    const html = render()
    // 302 working agents: past 100 the page shows at most 100 of a state one by one and counts the rest.
    expect(tagsNamed(html, 'li').filter((li) => li.attrs.class?.startsWith('badge'))).toHaveLength(100)
    expect(html).toContain('<span>Running</span> <strong>302</strong><small> (100 shown)</small>')
    expect(tagsNamed(html, 'article').map((a) => a.attrs.id)).toEqual(['card-a_27_b_22_c_3c__2f_x_3e_', 'card-m2'])
    expect(html).toContain('<ol id="results" class="results" tabindex="0" aria-label="Results, newest first"><li class="result done">')
    expect(html).toContain('<ol id="event-list" class="event-list" tabindex="0" aria-label="Events, newest first"><li class="log-line cat-agent">')
    expect(html).toContain('<strong>0</strong></a>/<a href="/agents">302</a> completed')
  })

  it('links the head assets and marks the active log filter', () => {
    const html = render(['agent', 'graph', 'tool', 'model'])
    expect(html.startsWith('<!doctype html><html lang="en"><head>')).toBe(true)
    expect(tagsNamed(html, 'script').map((s) => s.attrs)).toEqual([
      { type: 'module', src: '/assets/bridge.abc.js' },
      { type: 'module', src: '/assets/datastar.abc.js' },
      { type: 'module', src: '/assets/notify.abc.js' },
      { type: 'module', src: '/assets/clock.abc.js' },
    ])
    expect(html).toContain('<link rel="stylesheet" href="/assets/styles.abc.css"/>')
    expect(html).toContain(`data-on-load="@get('/events?include=agent,graph,tool,model')"`)
    expect(tagsNamed(html, 'a').filter((a) => a.attrs.href?.startsWith('/?') || a.attrs.href === '/').map((a) => [a.attrs.href, a.attrs.class])).toEqual([
      ['/', ''],
      ['/?include=tool,model', 'active'],
    ])
  })

  it('carries hostile strings only as escaped text or quoted attribute values, never as markup', () => {
    const html = render()
    // the page's only scripts are the four module scripts of the head
    expect(tagsNamed(html, 'script')).toHaveLength(4)
    expect(tagsNamed(html, 'img')).toHaveLength(0)
    expect(withoutAttributeValues(html)).not.toContain(SCRIPT)
    expect(withoutAttributeValues(html)).not.toContain('<img')
    for (const action of dataOnValues(html)) expect(action).not.toMatch(/[<>"]/)
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})

describe('element ids', () => {
  // An agent named `list` had the badge id `agent-list`, the list's own: its morph replaced the whole list
  // with its badge, and its removal removed the list (the badges are patched by id since list-edits.ts).
  const prefixes = [ids.agent(''), ids.card('')]
  const fixedIds = allIds(String(Shell({ model: model(), log: [], include: [], signals: {}, assets, now: T0 })))

  it('leaves no fixed id of the page for a badge or a card to take', () => {
    const taken = fixedIds.flatMap((id) => prefixes.filter((p) => id.startsWith(p) && /^[A-Za-z0-9_]+$/.test(id.slice(p.length))).map((p) => `${p}… ${id}`))
    expect(taken).toEqual([])
  })

  it("gives every element an id of its own when agents and questions are named like the page's parts", () => {
    const names = [...new Set(['list', 'counts', ...fixedIds, ...fixedIds.flatMap((id) => prefixes.filter((p) => id.startsWith(p)).map((p) => id.slice(p.length)))])]
    const m = model({ panel: panelOf(names.map((agent_id) => agent({ agent_id }))), blocked: names.map((msg_id) => card({ msg_id })) })
    const all = allIds(String(Shell({ model: m, log: [], include: [], signals: {}, assets, now: T0 })))
    expect(all.filter((id, i) => all.indexOf(id) !== i)).toEqual([])
  })
})
