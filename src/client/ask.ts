// ask(): register a question with Switchboard and wait for a person's answer, through restarts.
//
// The msg_id is made here, before the first request, so every retry (and a re-ask after the
// server lost its database) names the same question: the server answers 200 for a repeat.
import { routes } from '../protocol/routes.ts'
import type { ApprovalAnswer, Answer, FormAnswer, FormSchema } from '../protocol/form.ts'
import { AskBody as AskSchema, type AskBody as AskInput, type QuestionStatus } from '../protocol/question.ts'
import { firstFailure } from '../protocol/schema.ts'
import { sleep } from './abortable.ts'
import { backoffDelay, type BackoffOptions } from './backoff.ts'
import { AskCancelled, AskTimeout, SwitchboardHttpError } from './errors.ts'
import type { Transport } from './transport.ts'

export interface AskOptions {
  /** choices shown as buttons on the card; the person may still type free text */
  options?: string[]
  /** seconds until the question expires; ask() then rejects with AskTimeout */
  timeoutS?: number
  /** your own id for the question, e.g. to resume waiting on it after your process restarts */
  msgId?: string
  /** markdown shown above the question on the card: what led to it */
  context?: string
  /** any JSON for the person to look at (shown folded on the card) */
  details?: unknown
  signal?: AbortSignal
}

/** Approve / Deny with an optional comment: resolves to `{approved, comment?}`. */
export type ApprovalOptions = Omit<AskOptions, 'options'> & { kind: 'approval' }
/** A form (MCP elicitation's schema subset): resolves to the values the person entered. */
export type FormOptions = Omit<AskOptions, 'options'> & { schema: FormSchema }

/** ask()'s answer for the options given: text, an approval, or a form's values. */
export type AnswerFor<O> = O extends { kind: 'approval' } ? ApprovalAnswer : O extends { schema: FormSchema } ? FormAnswer : string

export interface AskDeps {
  transport: Transport
  /** delivers queued events first, so the dashboard sees `started` before `blocked` */
  flush(signal?: AbortSignal): Promise<void>
  /** aborted when the client closes */
  closed: AbortSignal
  backoff?: BackoffOptions
}

/** Long-poll window; the server allows up to 60 s, and holds the connection open for it. */
export const POLL_WAIT_S = 30
/** When the server is unreachable at the deadline, the local timer fires this much later: the server's verdict should win. */
const LOCAL_GRACE_MS = 2_000

type AnyAskOptions = AskOptions & { kind?: AskInput['kind']; schema?: FormSchema }

export async function ask(deps: AskDeps, question: Omit<AskInput, 'msg_id' | 'timeout_s' | 'options'>, opts: AnyAskOptions = {}): Promise<Answer> {
  const msgId = opts.msgId ?? `q-${crypto.randomUUID()}`
  const input: AskInput = { ...question, msg_id: msgId }
  if (opts.options) input.options = opts.options
  if (opts.timeoutS !== undefined) input.timeout_s = opts.timeoutS
  if (opts.kind !== undefined) input.kind = opts.kind
  if (opts.schema !== undefined) input.schema = opts.schema
  if (opts.context !== undefined) input.context = opts.context
  if (opts.details !== undefined) input.details = opts.details
  // The server's own schema: a question it would refuse fails here, at once, naming the field.
  const invalid = firstFailure(AskSchema, input)
  if (invalid) throw new TypeError(`ask(): ${invalid.field} ${invalid.reason}`)
  const deadline = opts.timeoutS === undefined ? undefined : localDeadline(msgId, opts.timeoutS)
  const signal = AbortSignal.any([deps.closed, ...(opts.signal ? [opts.signal] : []), ...(deadline ? [deadline.signal] : [])])
  try {
    await deps.flush(signal)
    await postQuestion(deps, input, signal)
    return await awaitAnswer(deps, input, signal)
  } finally {
    deadline?.cancel()
  }
}

/** Aborts with AskTimeout a little after timeoutS, for when the server cannot say so itself. */
function localDeadline(msgId: string, timeoutS: number) {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new AskTimeout(msgId, timeoutS)), timeoutS * 1000 + LOCAL_GRACE_MS)
  return { signal: controller.signal, cancel: () => clearTimeout(timer) }
}

/** POST /api/questions until accepted (201 new, 200 already there); 409/400 are the caller's error. */
async function postQuestion(deps: AskDeps, input: AskInput, signal: AbortSignal): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await deps.transport.send('POST', routes.questions, input, signal)
    if (outcome.kind === 'fatal') throw outcome.error
    // 404 on this route means no Switchboard behind the url (a wrong path or proxy): retrying will not help.
    if (outcome.kind === 'ok' && outcome.status === 404) throw new SwitchboardHttpError(404, outcome.body, 'POST /api/questions')
    if (outcome.kind === 'ok') return
    await sleep(backoffDelay(attempt, deps.backoff), signal)
  }
}

/** Long-poll the question's status until it is answered or timed out, riding out restarts. */
async function awaitAnswer(deps: AskDeps, input: AskInput, signal: AbortSignal): Promise<Answer> {
  const path = `${routes.question(input.msg_id!)}?wait=${POLL_WAIT_S}`
  for (let attempt = 0; ; ) {
    const outcome = await deps.transport.send('GET', path, undefined, signal)
    if (outcome.kind === 'fatal') throw outcome.error
    // A server that forgot the question (restarted onto an empty database): ask it again, same msg_id.
    if (outcome.kind === 'ok' && outcome.status === 404) {
      await postQuestion(deps, input, signal)
      continue
    }
    const status = outcome.kind === 'ok' ? statusOf(outcome.body) : undefined
    if (status?.status === 'answered') return status.answer ?? ''
    if (status?.status === 'timeout') throw new AskTimeout(input.msg_id!, input.timeout_s ?? 0)
    if (status?.status === 'cancelled') throw new AskCancelled(input.msg_id!, status.answered_by)
    if (status?.status === 'pending') {
      attempt = 0
      continue
    }
    // Unreachable, 5xx, or a body that is not a status: wait before trying again, never spin.
    await sleep(backoffDelay(attempt++, deps.backoff), signal)
  }
}

function statusOf(body: unknown): QuestionStatus | undefined {
  const status = (body as Partial<QuestionStatus> | undefined)?.status
  return status === 'pending' || status === 'answered' || status === 'timeout' || status === 'cancelled' ? (body as QuestionStatus) : undefined
}
