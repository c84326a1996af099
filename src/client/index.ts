// The agent-side SDK, exported as `switchboard/client`: report events, ask a person, await the answer.
export { connect, SwitchboardClient, type ConnectOptions, type PlannedAgent } from './client'
export { Agent, type AgentOptions, type ModelCall } from './agent'
export { type AskOptions, POLL_WAIT_S } from './ask'
export { type BackoffOptions } from './backoff'
export { AskTimeout, ClientClosed, SwitchboardHttpError } from './errors'
export { type FetchLike } from './transport'
export { makeEvent, newEventId, type Event, type Category } from '../protocol/event'
export type { QuestionStatus } from '../protocol/question'
