// What a tool handler gets besides its arguments, and the one way a refused argument reads to the client.
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js'
import { InvalidEvent } from '../protocol/event'
import { Invalid } from '../questions/errors'

export type ToolExtra = RequestHandlerExtra<ServerRequest, ServerNotification>

/** Thrown to the SDK, which answers the call with an error result carrying this message. */
export class InvalidArguments extends Error {}

/** Runs `fn`; a refused field (from the question or event schemas) becomes "Invalid arguments for tool X: field reason". */
export function invalidArguments<T>(tool: string, fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof Invalid || error instanceof InvalidEvent) throw new InvalidArguments(`Invalid arguments for tool ${tool}: ${error.message}`)
    throw error
  }
}
