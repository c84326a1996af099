// An agent's steps as the agent page lists them: one item per tool call, model call, question and note, nested by
// parent, with the filter links and the pager (plain links: they work without JavaScript).
import { answerSummary } from '../protocol/form'
import { MAX_STEP_TEXT } from '../protocol/limits'
import { STEP_KINDS, type Step, type StepKind, type StepPage } from '../protocol/steps'
import { cutSteps } from '../view-model/agent-record'
import { compactTokens } from '../view-model/usage'
import { clock, duration } from './format'
import { ids, routes } from './targets'

/** Characters of a step's argument, result, prompt or completion shown on the page; the JSON API has what is stored. */
export const PREVIEW_CHARS = 1_000
/** A summary line's glimpse of what a collapsed text holds. */
const GLIMPSE_CHARS = 80
/** Indentation stops here: a deeper step is still shown, no further right. */
const MAX_INDENT = 8

const KIND_WORDS: Record<StepKind, string> = { tool: 'Tool calls', model: 'Model calls', question: 'Questions', note: 'Notes' }

/** The filter and position of a page of steps, as its URL carries them. */
export interface StepView {
  kinds: readonly StepKind[]
  errorsOnly: boolean
  cursor?: string
  limit?: number
}

/** A filter as a query string: `?kind=tool,model&errors=1&cursor=…&limit=…`, each only when set ('' for none). */
export function stepsQuery(view: StepView): string {
  const query = new URLSearchParams()
  if (view.kinds.length) query.set('kind', view.kinds.join(','))
  if (view.errorsOnly) query.set('errors', '1')
  if (view.cursor !== undefined) query.set('cursor', view.cursor)
  if (view.limit !== undefined) query.set('limit', String(view.limit))
  return query.size ? `?${query}` : ''
}

/** The agent page's URL for a filter. */
export const stepsUrl = (agentId: string, view: StepView) => routes.agent(agentId) + stepsQuery(view)

/** A value as text: strings as they are, anything else as indented JSON. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value
  try {
    return JSON.stringify(value, null, 2) ?? String(value)
  } catch {
    return String(value)
  }
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text)

/** "$0.0018", "$1.25": a cent's fraction is what one step or one agent costs. */
export const usd = (cost: number) => (cost === 0 ? '$0' : cost < 1 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`)

/** "340 ms", "2.4 s", then the coarse "2m 05s". */
export function stepDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`
  if (ms < 10_000) return `${(ms / 1_000).toFixed(1)} s`
  return duration(ms)
}

/** A step's text collapsed: a glimpse in the summary, the text (cut at PREVIEW_CHARS) when opened. */
function Collapsed({ label, value, more }: { label: string; value: unknown; more: string }) {
  if (value === undefined) return ''
  const text = textOf(value)
  return (
    <details class="step-io">
      <summary>
        <span class="io-label" safe>
          {label}
        </span>{' '}
        <code class="glimpse" safe>
          {cut(text.replace(/\s+/g, ' '), GLIMPSE_CHARS)}
        </code>
      </summary>
      <pre safe>{cut(text, PREVIEW_CHARS)}</pre>
      {text.length > PREVIEW_CHARS ? (
        <a class="more" href={more}>
          Cut here: the text as stored is in the JSON
        </a>
      ) : (
        ''
      )}
    </details>
  )
}

function ModelFacts({ step }: { step: Step }) {
  const parts: string[] = []
  if (step.model !== undefined && step.model !== step.name) parts.push(step.model)
  if (step.tokens_in !== undefined || step.tokens_out !== undefined) parts.push(`${step.tokens_in ?? 0} in / ${step.tokens_out ?? 0} out`)
  else if (step.tokens !== undefined) parts.push(compactTokens(step.tokens))
  if (step.cost_usd !== undefined) parts.push(usd(step.cost_usd))
  return parts.length ? <span class="step-facts" safe>{parts.join(' · ')}</span> : ''
}

/** The answer in a person's words: the text, "Approved: comment", or the form's values (as the toast says it). */
const answerText = (output: unknown) => answerSummary(output)

/** A question's text, its answer, who gave it and how long it waited. */
function QuestionBody({ step }: { step: Step }) {
  const asked = step.input as { question?: unknown } | undefined
  const question = typeof asked?.question === 'string' ? asked.question : step.name
  const waited = step.duration_ms ?? (step.ended_at === undefined ? undefined : step.ended_at - step.started_at)
  const outcome =
    step.status === 'answered'
      ? `Answered${step.answered_by ? ` by ${step.answered_by}` : ''}${waited === undefined ? '' : ` after ${stepDuration(waited)}`}: `
      : step.status === 'timed_out'
        ? 'Timed out unanswered'
        : step.status === 'withdrawn'
          ? `Withdrawn${step.answered_by ? ` by ${step.answered_by}` : ''}`
          : 'Waiting for an answer'
  return (
    <>
      <p class="step-question" safe>
        {question}
      </p>
      <p class="step-answer">
        <span safe>{outcome}</span>
        {step.status === 'answered' && step.output !== undefined ? <strong safe>{cut(answerText(step.output), PREVIEW_CHARS)}</strong> : ''}
      </p>
    </>
  )
}

function StepBody({ step, more }: { step: Step; more: string }) {
  if (step.kind === 'question') return <QuestionBody step={step} />
  if (step.kind === 'note')
    return (
      <p class="step-note" safe>
        {cut(typeof step.input === 'string' ? step.input : step.name, PREVIEW_CHARS)}
      </p>
    )
  const [inLabel, outLabel] = step.kind === 'tool' ? ['Arguments', 'Result'] : ['Prompt', 'Completion']
  return (
    <>
      <Collapsed label={inLabel} value={step.input} more={more} />
      <Collapsed label={outLabel} value={step.output} more={more} />
      {step.error === undefined ? (
        ''
      ) : (
        <pre class="step-error" safe>
          {cut(step.error, PREVIEW_CHARS)}
        </pre>
      )}
    </>
  )
}

const STATUS_WORDS: Record<Step['status'], string> = {
  running: 'running',
  ok: 'ok',
  error: 'error',
  waiting: 'waiting',
  answered: 'answered',
  timed_out: 'timed out',
  withdrawn: 'withdrawn',
}

/** One step; `more` links to where its full texts are (the JSON of its page). */
export function StepItem({ step, more }: { step: Step; more: string }) {
  const depth = Math.min(step.depth ?? 0, MAX_INDENT)
  const took = step.duration_ms ?? (step.ended_at === undefined ? undefined : step.ended_at - step.started_at)
  return (
    <li id={ids.agentStep(step.seq)} class={`step kind-${step.kind} status-${step.status}`} style={depth ? `--depth:${depth}` : undefined} data-turn={String(step.turn)}>
      <div class="step-line">
        <span class="step-kind">{step.kind}</span>
        {step.kind === 'tool' || step.kind === 'model' ? (
          <code class="step-name" safe>
            {step.name}
          </code>
        ) : (
          ''
        )}
        {step.kind === 'note' ? (
          ''
        ) : (
          <span class={`step-status status-${step.status}`} safe>
            {STATUS_WORDS[step.status]}
          </span>
        )}
        {step.kind === 'model' ? <ModelFacts step={step} /> : ''}
        {step.turn > 1 ? <span class="step-turn" safe>{`turn ${step.turn}`}</span> : ''}
        <time class="step-at" title={`turn ${step.turn}`} safe>
          {clock(step.started_at)}
        </time>
        {took === undefined ? (
          ''
        ) : (
          <span class="step-took" safe>
            {stepDuration(took)}
          </span>
        )}
      </div>
      <StepBody step={step} more={more} />
      {step.truncated ? (
        <p class="step-cut">
          <span>{`Shown cut (past ${PREVIEW_CHARS} characters here, ${MAX_STEP_TEXT} when stored): `}</span>
          <a href={more}>the texts as stored, in JSON</a>
        </p>
      ) : (
        ''
      )}
    </li>
  )
}

/**
 * Bytes (UTF-8) an agent page weighs at most (the issue's bound for its first page): 100 steps of 20,000-character
 * results would otherwise make a page of megabytes. The steps get what the rest of the page leaves; past it the
 * page ends early, and its `next` goes on from the last step shown.
 */
export const PAGE_BYTES = 150_000
/** what the page around its parts weighs at most: doctype, head, top bar, filter links, pager (about 3.5 KB) */
const FRAME_BYTES = 6_000

/** The bytes left for steps beside parts of `others` bytes (the header, the question cards). */
export const stepsBudget = (others: number) => Math.max(0, PAGE_BYTES - FRAME_BYTES - others)

export interface RenderedSteps {
  /** the page as shown: cut where the budget ran out */
  page: StepPage
  /** each shown step's key (its seq) and HTML, in page order */
  items: Array<{ key: string; html: string }>
}

/** A page's steps rendered, as many as fit `budget` bytes (always the first, whatever its size). */
export function renderSteps(page: StepPage, more: string, budget: number): RenderedSteps {
  const items: RenderedSteps['items'] = []
  let bytes = 0
  for (const step of page.steps) {
    const html = String(StepItem({ step, more }))
    bytes += Buffer.byteLength(html)
    if (bytes > budget && items.length) break
    items.push({ key: String(step.seq), html })
  }
  return { page: cutSteps(page, items.length), items }
}

export function StepList({ items }: { items: RenderedSteps['items'] }) {
  const safeHtml = items.map((item) => item.html).join('')
  return (
    <ol id={ids.agentSteps} class="steps">
      {safeHtml}
    </ol>
  )
}

/** Kind and errors-only as links: each a page of its own, so the filter works without JavaScript. */
export function StepFilter({ agentId, view }: { agentId: string; view: StepView }) {
  const only = (kinds: StepKind[]) => stepsUrl(agentId, { kinds, errorsOnly: view.errorsOnly, limit: view.limit })
  const current = (kinds: readonly StepKind[]) => kinds.length === view.kinds.length && kinds.every((k) => view.kinds.includes(k))
  return (
    <nav class="filter step-filter" aria-label="Which steps">
      <a href={only([])} aria-current={current([]) ? 'page' : undefined}>
        All steps
      </a>
      {STEP_KINDS.map((kind) => (
        <a href={only([kind])} aria-current={current([kind]) ? 'page' : undefined} safe>
          {KIND_WORDS[kind]}
        </a>
      ))}
      <a class={view.errorsOnly ? 'errors-toggle on' : 'errors-toggle'} href={stepsUrl(agentId, { kinds: view.kinds, errorsOnly: !view.errorsOnly, limit: view.limit })}>
        Errors only{view.errorsOnly ? <span class="visually-hidden"> (on: follow to show every step)</span> : ''}
      </a>
    </nav>
  )
}

/** How many steps match, which are shown, and the way to the next page. */
export function StepPager({ agentId, view, page }: { agentId: string; view: StepView; page: StepPage }) {
  const first = stepsUrl(agentId, { ...view, cursor: undefined })
  return (
    <nav id={ids.agentPager} class="pages step-pager" aria-label="Pages of steps">
      <span safe>{page.total === 0 ? 'No step matches.' : `${page.total} ${page.total === 1 ? 'step' : 'steps'}, ${page.steps.length} on this page.`}</span>
      {view.cursor === undefined ? '' : <a href={first}>← First page</a>}
      {page.next === undefined ? '' : <a href={stepsUrl(agentId, { ...view, cursor: page.next })}>Next page →</a>}
    </nav>
  )
}
