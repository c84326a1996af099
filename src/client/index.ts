// The agent-side SDK, exported as `switchboard/client`: report events, ask a person, await the answer.
export { connect, SwitchboardClient, type ConnectOptions, type PlannedAgent } from './client.ts'
export { Agent, type AgentOptions, type ModelCall } from './agent.ts'
export { type AskOptions, POLL_WAIT_S } from './ask.ts'
export { type BackoffOptions } from './backoff.ts'
export { AskTimeout, ClientClosed, SwitchboardHttpError } from './errors.ts'
export { type FetchLike } from './transport.ts'
export { makeEvent, newEventId, type Event, type Category } from '../protocol/event.ts'
export type { QuestionStatus } from '../protocol/question.ts'
