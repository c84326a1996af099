// Blocked-question cards: question, option buttons, a free-text answer bound to this card's draft.
import type { ViewModel } from '../machines/derive'
import { domKey, ids, jsString, routes } from '../server/ids'
import { clock } from './format'

type BlockedView = ViewModel['blocked'][number]

/** The signal path of a card's draft: a JS identifier whatever the msg_id holds. */
export const draftKey = (msgId: string) => `m${domKey(msgId)}`

function respondUrl(card: BlockedView, option?: number): string {
  const query = new URLSearchParams({ msg_id: card.msg_id })
  if (option !== undefined) query.set('option', String(option))
  return `${routes.respond(card.agent_id)}?${query}`
}

const post = (url: string) => `@post(${jsString(url)})`

export function BlockedCard({ card }: { card: BlockedView }) {
  const draft = `responseDraft.${draftKey(card.msg_id)}`
  return (
    <article id={ids.card(card.msg_id)} class="card" aria-label="Question">
      <header>
        <a class="name" href={routes.inspect(card.agent_id)} safe>
          {card.agent_name}
        </a>
        <time safe>{`asked ${clock(card.asked_at)}`}</time>
      </header>
      <p class="question" safe>
        {card.question}
      </p>
      {card.options.length > 0 && (
        <div class="options">
          {card.options.map((option, i) => (
            <button type="button" class="option" data-on-click={post(respondUrl(card, i))} safe>
              {option}
            </button>
          ))}
        </div>
      )}
      <div class="answer-row">
        <input
          type="text"
          name="answer"
          maxlength="4096"
          placeholder="Type an answer…"
          aria-label="Answer"
          data-bind={draft}
          data-on-keydown={`evt.key === 'Enter' && ${post(respondUrl(card))}`}
        />
        <button type="button" class="submit" data-on-click={post(respondUrl(card))}>
          Send
        </button>
      </div>
      <p id={ids.cardStatus(card.msg_id)} class="status" role="status"></p>
    </article>
  )
}

export function CardStatus({ msgId, text, ok }: { msgId: string; text: string; ok: boolean }) {
  return (
    <p id={ids.cardStatus(msgId)} class={`status ${ok ? 'ok' : 'error'}`} role="status" safe>
      {text}
    </p>
  )
}

export function BlockedList({ blocked }: Pick<ViewModel, 'blocked'>) {
  return (
    <div id={ids.blockedList} class="blocked-list">
      {blocked.map((card) => (
        <BlockedCard card={card} />
      ))}
    </div>
  )
}
