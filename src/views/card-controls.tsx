// A card's answer controls, one set per kind of question: text, options, approval, form.
import type { FormField, FormSchema, StringField } from '../protocol/form'
import type { BlockedView } from '../view-model/derive'
import { draftKey, ids, jsString, routes, signals } from './targets'

export function respondUrl(card: Pick<BlockedView, 'agent_id' | 'msg_id'>, extra: Record<string, string> = {}): string {
  const query = new URLSearchParams({ msg_id: card.msg_id, ...extra })
  return `${routes.respond(card.agent_id)}?${query}`
}

export const post = (url: string) => `@post(${jsString(url)})`

/** What every control of a card shares: its draft signal, its busy flag, ids of its own. */
export function cardParts(card: BlockedView) {
  const key = draftKey(card.msg_id)
  const busy = `${signals.busy}.${key}`
  return { key, busy, draft: `${signals.responseDraft}.${key}`, control: (name: string) => ids.cardControl(card.msg_id, name) }
}

function TextAnswer({ card, label }: { card: BlockedView; label: string }) {
  const { busy, draft, control } = cardParts(card)
  return (
    <div class="answer-row">
      <input
        type="text"
        id={control('text')}
        name="answer"
        maxlength="4096"
        placeholder="Type an answer…"
        aria-label={label}
        data-bind={draft}
        data-indicator={busy}
        data-on-keydown={`evt.key === 'Enter' && ${post(respondUrl(card))}`}
      />
      <button type="button" id={control('send')} class="submit" data-indicator={busy} data-on-click={post(respondUrl(card))}>
        Send
      </button>
    </div>
  )
}

function Options({ card }: { card: BlockedView }) {
  const { busy, control } = cardParts(card)
  return (
    <div class="options">
      {card.options.map((option, i) => (
        <button type="button" id={control(`option-${i}`)} class="option" data-indicator={busy} data-on-click={post(respondUrl(card, { option: String(i) }))} safe>
          {option}
        </button>
      ))}
    </div>
  )
}

function Approval({ card }: { card: BlockedView }) {
  const { busy, draft, control } = cardParts(card)
  return (
    <>
      <input type="text" id={control('comment')} maxlength="4096" placeholder="Comment (optional)" aria-label="Comment" data-bind={draft} data-indicator={busy} />
      <div class="options approval">
        <button type="button" id={control('approve')} class="option approve" data-indicator={busy} data-on-click={post(respondUrl(card, { approve: '1' }))}>
          Approve
        </button>
        <button type="button" id={control('deny')} class="option deny" data-indicator={busy} data-on-click={post(respondUrl(card, { approve: '0' }))}>
          Deny
        </button>
      </div>
    </>
  )
}

const INPUT_TYPES = { email: 'email', uri: 'url', date: 'date', 'date-time': 'datetime-local' } as const

/** One field of a form, with the browser's own checks (required, lengths, bounds, formats) before it is sent. */
function Field({ card, name, field, required }: { card: BlockedView; name: string; field: FormField; required: boolean }) {
  const { busy, draft, control } = cardParts(card)
  const id = control(`field-${name}`)
  const bind = `${draft}.${name}`
  const label = field.title ?? name
  const hint = field.description ? (
    <small class="hint" id={`${id}-hint`} safe>
      {field.description}
    </small>
  ) : (
    ''
  )
  const described = field.description ? `${id}-hint` : undefined
  if (field.type === 'boolean')
    return (
      <div class="field check">
        <input type="checkbox" id={id} data-bind={bind} data-indicator={busy} aria-describedby={described} />
        <label for={id} safe>
          {label}
        </label>
        {hint}
      </div>
    )
  let input: JSX.Element
  if ('enum' in field)
    input = (
      <select id={id} data-bind={bind} data-indicator={busy} required={required} aria-describedby={described}>
        <option value="">Choose…</option>
        {field.enum.map((value, i) => (
          <option value={value} safe>
            {field.enumNames?.[i] ?? value}
          </option>
        ))}
      </select>
    )
  else if (field.type === 'number' || field.type === 'integer')
    input = (
      <input
        type="number"
        id={id}
        data-bind={bind}
        data-indicator={busy}
        required={required}
        min={field.minimum === undefined ? undefined : String(field.minimum)}
        max={field.maximum === undefined ? undefined : String(field.maximum)}
        step={field.type === 'integer' ? '1' : 'any'}
        aria-describedby={described}
      />
    )
  else {
    const s = field as StringField
    input = (
      <input
        type={s.format ? INPUT_TYPES[s.format] : 'text'}
        id={id}
        data-bind={bind}
        data-indicator={busy}
        required={required}
        minlength={s.minLength === undefined ? undefined : String(s.minLength)}
        maxlength={String(s.maxLength ?? 4096)}
        aria-describedby={described}
      />
    )
  }
  return (
    <div class="field">
      <label for={id} safe>
        {`${label}${required ? ' *' : ''}`}
      </label>
      {input}
      {hint}
    </div>
  )
}

/** The initial values of a form's signals: defaults, and false for checkboxes (so they are booleans). */
function formSignals(schema: FormSchema): Record<string, string | number | boolean> {
  return Object.fromEntries(
    Object.entries(schema.properties).map(([name, f]) => [name, f.default ?? (f.type === 'boolean' ? false : '')] as [string, string | number | boolean]),
  )
}

function Form({ card, schema }: { card: BlockedView; schema: FormSchema }) {
  const { key, busy, control } = cardParts(card)
  const initial = JSON.stringify({ [signals.responseDraft]: { [key]: formSignals(schema) } })
  return (
    // The browser checks the fields before it fires submit; the server checks them again.
    <form class="answer-form" id={control('form')} data-signals__ifmissing={initial} data-on-submit={`evt.preventDefault(); ${post(respondUrl(card))}`}>
      {Object.entries(schema.properties).map(([name, field]) => (
        <Field card={card} name={name} field={field} required={schema.required?.includes(name) ?? false} />
      ))}
      <button type="submit" id={control('submit')} class="submit" data-indicator={busy}>
        Send
      </button>
    </form>
  )
}

/** The controls for the card's kind of question. */
export function AnswerControls({ card }: { card: BlockedView }) {
  if (card.kind === 'approval') return <Approval card={card} />
  if (card.kind === 'form' && card.schema) return <Form card={card} schema={card.schema} />
  return (
    <>
      {card.options.length > 0 ? <Options card={card} /> : ''}
      <TextAnswer card={card} label={card.options.length ? 'Or type another answer' : 'Answer'} />
    </>
  )
}

/** Withdraw the question: the agent is told it was cancelled and goes on without an answer. */
export function WithdrawButton({ card }: { card: BlockedView }) {
  const { busy, control } = cardParts(card)
  const url = `${routes.cancel(card.agent_id)}?${new URLSearchParams({ msg_id: card.msg_id })}`
  return (
    <button type="button" id={control('withdraw')} class="withdraw" data-indicator={busy} data-on-click={`confirm('Withdraw this question? The agent goes on without an answer.') && ${post(url)}`}>
      Withdraw
    </button>
  )
}
