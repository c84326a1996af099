// Question cards, derived from pending question records: who asks, what led to it, the question, the answer controls.
import type { BlockedView } from '../view-model/derive'
import { AnswerControls, cardParts, WithdrawButton } from './card-controls'
import { clock } from './format'
import { renderMarkdown } from './markdown'
import { ids, routes } from './targets'

/** "waiting 3m 05s", counted up in the page by clock.js from when it was asked. */
export function CardWait({ card }: { card: BlockedView }) {
  return <span id={ids.cardControl(card.msg_id, 'wait')} class="waiting" data-since={String(card.asked_at)} data-prefix="waiting "></span>
}

/** The agent's last tool calls before it asked: tool, arguments, and result or error. */
function RecentTools({ card }: { card: BlockedView }) {
  if (!card.tools.length) return ''
  return (
    <details class="recent-tools">
      <summary safe>{`Last ${card.tools.length === 1 ? 'tool call' : `${card.tools.length} tool calls`}`}</summary>
      <ol>
        {card.tools.map((t) => (
          <li class={t.error === undefined ? 'ok' : 'error'}>
            <code class="tool" safe>
              {t.tool}
            </code>
            {t.args === undefined ? '' : <code class="args" safe>{`(${t.args})`}</code>}
            {t.error !== undefined ? <span class="outcome" safe>{`✗ ${t.error}`}</span> : t.result !== undefined ? <span class="outcome" safe>{`→ ${t.result}`}</span> : ''}
          </li>
        ))}
      </ol>
    </details>
  )
}

/** The question's context: markdown rendered with raw HTML off, so it is safe as it comes out. */
function Context({ markdown }: { markdown: string | undefined }) {
  if (markdown === undefined) return ''
  const safeHtml = renderMarkdown(markdown)
  return <div class="context markdown">{safeHtml}</div>
}

/** The agent's run, linked to its page: two agents named alike in two runs are told apart. */
function RunLine({ card }: { card: BlockedView }) {
  if (card.graph_id === undefined) return ''
  return (
    <a class="run" href={routes.runs(card.graph_id)} title="Open its run" safe>
      {`run ${card.graph_id}`}
    </a>
  )
}

const searchText = (card: BlockedView) => [card.agent_name, card.agent_id, card.graph_id ?? ''].join(' ').toLowerCase()

/**
 * Every control of a card answers the same record. While one of them has a request in flight the
 * card's fieldset is disabled (Datastar's indicator needs the element's own id, hence one per control);
 * the outcome arrives as a toast on this tab's stream, and the card leaves when the record is answered.
 */
export function BlockedCard({ card, now }: { card: BlockedView; now: number }) {
  const { busy, control } = cardParts(card)
  return (
    <article
      id={ids.card(card.msg_id)}
      class={`card kind-${card.kind}`}
      tabindex="-1"
      aria-labelledby={`${control('from')} ${control('q')}`}
      data-search={searchText(card)}
      data-show={`!$_queueFilter || ctx.el.dataset.search.includes($_queueFilter.toLowerCase())`}
    >
      <header>
        <a class="name" id={control('from')} href={routes.agent(card.agent_id)} safe>
          {card.agent_name}
        </a>
        <RunLine card={card} />
        <time safe>{`asked ${clock(card.asked_at)}`}</time>
        <CardWait card={card} />
      </header>
      <p class="question" id={control('q')} safe>
        {card.question}
      </p>
      <Context markdown={card.context} />
      <RecentTools card={card} />
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

export function BlockedList({ blocked, now }: { blocked: readonly BlockedView[]; now: number }) {
  return (
    <div id={ids.blockedList} class="blocked-list">
      {blocked.map((card) => (
        <BlockedCard card={card} now={now} />
      ))}
    </div>
  )
}

/** Says the newest question out loud to screen readers (a card appearing is not announced by itself). */
export function QueueAnnouncer({ card }: { card?: BlockedView }) {
  const text = card ? `New question from ${card.agent_name}: ${card.question}` : ''
  return (
    <p id={ids.queueAnnounce} class="visually-hidden" role="status" aria-live="polite" safe>
      {text}
    </p>
  )
}

/** The outcome of this tab's last answer, in a live region outside every card (a card may be gone by then). */
export function Toast({ text, ok, seq }: { text: string; ok: boolean; seq: number }) {
  return (
    <div id={ids.toast} class={`toast ${ok ? 'ok' : 'error'}`} role="status" aria-live="polite" data-seq={String(seq)}>
      <span safe>{text}</span>
    </div>
  )
}

export const EmptyToast = () => <div id={ids.toast} class="toast" role="status" aria-live="polite"></div>
