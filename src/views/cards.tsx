// Question cards, derived from pending question records: question, option buttons, a free-text answer.
import type { BlockedView } from '../view-model/derive'
import { clock } from './format'
import { draftKey, ids, jsString, routes, signals } from './targets'

function respondUrl(card: BlockedView, option?: number): string {
  const query = new URLSearchParams({ msg_id: card.msg_id })
  if (option !== undefined) query.set('option', String(option))
  return `${routes.respond(card.agent_id)}?${query}`
}

const post = (url: string) => `@post(${jsString(url)})`

/**
 * Every control of a card answers the same record. While one of them has a request in flight the
 * card's fieldset is disabled (Datastar's indicator needs the element's own id, hence one per control);
 * the outcome arrives as a toast on this tab's stream, and the card leaves when the record is answered.
 */
export function BlockedCard({ card }: { card: BlockedView }) {
  const key = draftKey(card.msg_id)
  const busy = `${signals.busy}.${key}`
  const control = (name: string) => ids.cardControl(card.msg_id, name)
  return (
    <article id={ids.card(card.msg_id)} class="card" aria-labelledby={control('from')}>
      <header>
        <a class="name" id={control('from')} href={routes.inspect(card.agent_id)} safe>
          {card.agent_name}
        </a>
        <time safe>{`asked ${clock(card.asked_at)}`}</time>
      </header>
      <p class="question" safe>
        {card.question}
      </p>
      <fieldset class="controls" data-attr-disabled={`$${busy}`}>
        <legend class="visually-hidden">Answer</legend>
        {card.options.length > 0 && (
          <div class="options">
            {card.options.map((option, i) => (
              <button type="button" id={control(`option-${i}`)} class="option" data-indicator={busy} data-on-click={post(respondUrl(card, i))} safe>
                {option}
              </button>
            ))}
          </div>
        )}
        <div class="answer-row">
          <input
            type="text"
            id={control('text')}
            name="answer"
            maxlength="4096"
            placeholder="Type an answer…"
            aria-label="Answer"
            data-bind={`${signals.responseDraft}.${key}`}
            data-indicator={busy}
            data-on-keydown={`evt.key === 'Enter' && ${post(respondUrl(card))}`}
          />
          <button type="button" id={control('send')} class="submit" data-indicator={busy} data-on-click={post(respondUrl(card))}>
            Send
          </button>
        </div>
      </fieldset>
    </article>
  )
}

export function BlockedList({ blocked }: { blocked: readonly BlockedView[] }) {
  return (
    <div id={ids.blockedList} class="blocked-list">
      {blocked.map((card) => (
        <BlockedCard card={card} />
      ))}
    </div>
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
