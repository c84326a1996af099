// The agent page: its header (who, run, state, time in state, tokens, turn, the error in full), the questions it
// waits on with their answer controls, and its steps; each part a patch target of the page's own stream.
import type { AgentHeader, AgentRecord } from '../view-model/agent-record'
import type { BlockedView } from '../view-model/derive'
import { usageTitle } from '../view-model/usage'
import { renderSteps, StepFilter, StepList, StepPager, stepsBudget, stepsQuery, usd, type StepView } from './agent-steps'
import { AnswerControls, cardParts, WithdrawButton } from './card-controls'
import { EmptyToast } from './cards'
import { clock } from './format'
import { SubPage } from './frame'
import type { PageAssets } from './head'
import { renderMarkdown } from './markdown'
import { ids, jsString, routes } from './targets'

const UNANSWERED_WORDS = { timed_out: 'its last question timed out unanswered', withdrawn: 'its last question was withdrawn' } as const

function Usage({ agent }: { agent: AgentHeader }) {
  const u = agent.usage
  if (u.total === 0) return <dd>none reported</dd>
  const priced = u.total > u.unpriced
  return (
    <dd title={usageTitle(u)} safe>
      {`${u.input} in / ${u.output} out (${u.total} in all)${priced ? ` · ${usd(u.cost_usd)}${u.unpriced ? ` (${u.unpriced} unpriced)` : ''}` : ' · no price known'}`}
    </dd>
  )
}

/** Run, state and time in state (counted up in the page by clock.js), turn, tokens, calls. */
function FactList({ agent }: { agent: AgentHeader }) {
  return (
    <dl class="agent-facts">
      <div>
        <dt>Run</dt>
        <dd>{agent.graph_id === undefined ? 'none' : <a href={routes.runs(agent.graph_id)} safe>{agent.graph_id}</a>}</dd>
      </div>
      <div>
        <dt>State</dt>
        <dd>
          <strong class="state" safe>
            {agent.label}
          </strong>
          {agent.entered_at === null ? '' : <span class="since" data-since={String(agent.entered_at)} data-prefix=" for "></span>}
          {agent.entered_at === null ? '' : <small safe>{` (since ${clock(agent.entered_at)})`}</small>}
        </dd>
      </div>
      <div>
        <dt>Turn</dt>
        <dd safe>{String(agent.turn)}</dd>
      </div>
      <div>
        <dt>Tokens</dt>
        <Usage agent={agent} />
      </div>
      <div>
        <dt>Calls</dt>
        <dd safe>{`${agent.tool_calls} tool, ${agent.model_calls} model`}</dd>
      </div>
    </dl>
  )
}

function AgentLinks({ agent }: { agent: AgentHeader }) {
  return (
    <p class="agent-links">
      <a href={routes.inspect(agent.agent_id)}>State machine</a> · <a href={routes.history({ agent: agent.agent_id })}>Stored events</a> ·{' '}
      <a href={routes.agentApi(agent.agent_id)}>JSON</a>
      {agent.source === 'store' ? <span class="empty-note"> · rebuilt from its stored events (no longer in memory)</span> : ''}
      {agent.replay_truncated ? <span class="empty-note"> · from its first stored events only: it has more than a rebuild reads</span> : ''}
    </p>
  )
}

/** The facts at the top, what it went on without or waits for, and the error in full. */
export function AgentHead({ agent }: { agent: AgentHeader }) {
  return (
    <section id={ids.agentHead} class={`panel agent-head state-${agent.state}`} aria-labelledby="h-agent">
      <h2 id="h-agent" class="agent-title">
        <span class="agent-name" safe>
          {agent.name}
        </span>
        {agent.name === agent.agent_id ? '' : <code class="agent-id" safe>{agent.agent_id}</code>}
      </h2>
      <FactList agent={agent} />
      {agent.unanswered === null ? '' : <p class="agent-note" safe>{`Resumed without an answer: ${UNANSWERED_WORDS[agent.unanswered]}.`}</p>}
      {agent.waiting_reason !== undefined ? <p class="agent-note" safe>{`Waiting for its user: ${agent.waiting_reason}`}</p> : ''}
      {agent.error === undefined ? (
        ''
      ) : (
        <div class="agent-error">
          <h3>Error</h3>
          <pre safe>{agent.error}</pre>
        </div>
      )}
      <AgentLinks agent={agent} />
    </section>
  )
}

/** The question's context: markdown rendered with raw HTML off, so it is safe as it comes out. */
function Context({ markdown }: { markdown: string | undefined }) {
  if (markdown === undefined) return ''
  const safeHtml = renderMarkdown(markdown)
  return <div class="context markdown">{safeHtml}</div>
}

/** One question it waits on, answerable here with the dashboard card's own controls and the same respond route. */
function QuestionCard({ card }: { card: BlockedView }) {
  const { busy, control } = cardParts(card)
  return (
    <article id={ids.card(card.msg_id)} class={`card kind-${card.kind}`} aria-labelledby={control('q')}>
      <header>
        <span>Waiting for you</span>
        <time safe>{`asked ${clock(card.asked_at)}`}</time>
        <span id={control('wait')} class="waiting" data-since={String(card.asked_at)} data-prefix="waiting "></span>
      </header>
      <p class="question" id={control('q')} safe>
        {card.question}
      </p>
      <Context markdown={card.context} />
      {card.details === undefined ? (
        ''
      ) : (
        <details class="details">
          <summary>Details</summary>
          <pre safe>{JSON.stringify(card.details, null, 2)}</pre>
        </details>
      )}
      <fieldset class="controls" data-attr-disabled={`$${busy}`}>
        <legend class="visually-hidden">Answer</legend>
        <AnswerControls card={card} />
        <WithdrawButton card={card} />
      </fieldset>
    </article>
  )
}

export function AgentQuestions({ questions }: { questions: readonly BlockedView[] }) {
  return (
    <section id={ids.agentQuestions} class="agent-questions" aria-label="Questions waiting for an answer" hidden={questions.length === 0}>
      {questions.map((card) => (
        <QuestionCard card={card} />
      ))}
    </section>
  )
}

/** The header and question cards rendered, and as many steps as the bytes they leave allow: the page and its stream alike. */
export function agentParts(record: AgentRecord, more: string) {
  const safeHead = String(AgentHead({ agent: record.agent }))
  const safeQuestions = String(AgentQuestions({ questions: record.questions }))
  const steps = renderSteps(record.steps, more, stepsBudget(Buffer.byteLength(safeHead) + Buffer.byteLength(safeQuestions)))
  return { safeHead, safeQuestions, steps }
}

export interface AgentPageProps {
  record: AgentRecord
  view: StepView
  /** the signals the page starts with: the tab id (its toasts) and the answer drafts */
  signals: Record<string, unknown>
  assets: PageAssets
}

export function AgentPage({ record, view, signals, assets }: AgentPageProps) {
  const { agent } = record
  const stream = routes.agentEvents(agent.agent_id) + stepsQuery(view)
  const json = routes.agentApi(agent.agent_id) + stepsQuery(view)
  const { safeHead, safeQuestions, steps } = agentParts(record, json)
  return (
    <SubPage title={`${agent.name}: agent`} assets={assets}>
      <>
        <div hidden data-signals={JSON.stringify(signals)}></div>
        {/* Outside every patch target: a morph would re-fire data-on-load and open a second stream. The bridge
            watches this id to say when the page is offline. */}
        <div id={ids.stream} hidden data-on-load={`@get(${jsString(stream)})`}></div>
        <EmptyToast />
        <div id={ids.offline} class="offline" role="status" aria-live="assertive" hidden></div>
        <main class="agent-page">
          {safeHead}
          {safeQuestions}
          <section class="panel agent-steps" aria-labelledby="h-steps">
            <div class="panel-head">
              <h2 id="h-steps">Steps</h2>
              <StepFilter agentId={agent.agent_id} view={view} />
            </div>
            <StepList items={steps.items} />
            <StepPager agentId={agent.agent_id} view={view} page={steps.page} />
          </section>
        </main>
      </>
    </SubPage>
  )
}

/** An agent id never stored, or a query the page cannot read: the reason, and the way back. */
export function AgentRefusal({ title, reason, assets }: { title: string; reason: string; assets: PageAssets }) {
  return (
    <SubPage title={title} assets={assets}>
      <main class="runs">
        <section class="panel">
          <h2 safe>{title}</h2>
          <p safe>{reason}</p>
          <p>
            <a href={routes.agents()}>Find an agent</a> · <a href={routes.page}>Back to the dashboard</a>
          </p>
        </section>
      </main>
    </SubPage>
  )
}
