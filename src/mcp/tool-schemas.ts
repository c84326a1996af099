// The MCP tools' input shapes (zod, as the SDK validates and advertises them), bounded as the question API is.
import { z } from 'zod'
import { QUESTION_KINDS } from '../protocol/form'
import { MAX_CONTEXT, MAX_ID_LENGTH, MAX_OPTION_LENGTH, MAX_OPTIONS, MAX_TEXT, MAX_TIMEOUT_S } from '../protocol/limits'

/** Who is asking: by default the MCP session itself, named after its client. */
const who = {
  agent_id: z.string().min(1).max(MAX_ID_LENGTH).optional().describe('the agent on the dashboard; default: one agent per MCP session'),
  name: z.string().min(1).max(MAX_ID_LENGTH).optional().describe("the agent's display name; default: the MCP client's name"),
}

export const askHumanShape = {
  question: z.string().min(1).max(MAX_TEXT).describe('what to ask the person'),
  options: z.array(z.string().min(1).max(MAX_OPTION_LENGTH)).max(MAX_OPTIONS).optional().describe('answers to choose from (buttons)'),
  kind: z.enum(QUESTION_KINDS).optional().describe('text (default), options (default with options), approval (Approve / Deny with a comment), form (default with a schema)'),
  schema: z
    .object({ type: z.literal('object'), properties: z.record(z.string(), z.record(z.string(), z.unknown())), required: z.array(z.string()).optional() })
    .passthrough()
    .optional()
    .describe("a form's fields, as MCP elicitation's requestedSchema: string (minLength, maxLength, format), enum, number/integer (minimum, maximum), boolean"),
  context: z.string().min(1).max(MAX_CONTEXT).optional().describe('markdown shown above the question: what led to it'),
  details: z.unknown().optional().describe('any JSON the person should see (shown folded)'),
  timeout_s: z.number().positive().max(MAX_TIMEOUT_S).optional().describe('give up after this many seconds'),
  ...who,
}

export const requestPermissionShape = {
  tool_name: z.string().min(1).max(MAX_ID_LENGTH).describe('the tool that wants to run'),
  input: z.record(z.string(), z.unknown()).describe("the tool's input"),
  tool_use_id: z.string().max(MAX_ID_LENGTH).optional(),
  ...who,
}

export const STATUSES = ['started', 'progress', 'completed', 'failed'] as const

export const reportStatusShape = {
  status: z.enum(STATUSES),
  message: z.string().min(1).max(MAX_TEXT).optional().describe('what is happening, in a few words'),
  result: z.unknown().optional().describe('the outcome, with status completed'),
  error: z.string().min(1).max(MAX_TEXT).optional().describe('what went wrong, with status failed'),
  ...who,
}
