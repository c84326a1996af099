// A stand-in for Anthropic's Messages API (POST /v1/messages), enough for the Claude Code CLI run offline: a request
// whose last user message carries no tool result is answered with one tool use, the next with a final text.
// Streaming (SSE) when the request asks for it, as the CLI does; plain JSON otherwise.

export interface ToolUse {
  name: string
  input: Record<string, unknown>
}

export interface StandIn {
  url: string
  /** the tool use it answers with: a test may fill in its input once it knows it (a path in a fresh folder) */
  tool: ToolUse
  /** every request body the CLI sent, in order */
  requests: Array<Record<string, any>>
  stop(): void
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }

const frame = (type: string, data: Record<string, unknown>) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`

function stream(model: string, block: Block, stop_reason: string): string {
  const message = { id: `msg_${crypto.randomUUID().slice(0, 8)}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 1 } }
  const start = block.type === 'text' ? { type: 'text', text: '' } : { ...block, input: {} }
  const delta = block.type === 'text' ? { type: 'text_delta', text: block.text } : { type: 'input_json_delta', partial_json: JSON.stringify(block.input) }
  return [
    frame('message_start', { message }),
    frame('content_block_start', { index: 0, content_block: start }),
    frame('content_block_delta', { index: 0, delta }),
    frame('content_block_stop', { index: 0 }),
    frame('message_delta', { delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: 7 } }),
    frame('message_stop', {}),
  ].join('')
}

const hasToolResult = (body: Record<string, any>) => {
  const last = body.messages?.at(-1)
  return Array.isArray(last?.content) && last.content.some((c: { type?: string }) => c.type === 'tool_result')
}

export function startMessagesStandIn(tool: ToolUse, finalText: string): StandIn {
  const requests: StandIn['requests'] = []
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const path = new URL(request.url).pathname
      if (request.method !== 'POST' || !path.endsWith('/v1/messages')) return Response.json({ type: 'error', error: { type: 'not_found_error', message: path } }, { status: 404 })
      const body = (await request.json()) as Record<string, any>
      requests.push(body)
      // Only the main loop offers tools; side requests (a title, a summary) get text.
      const useTool = Array.isArray(body.tools) && body.tools.some((t: { name?: string }) => t.name === tool.name) && !hasToolResult(body)
      const block: Block = useTool ? { type: 'tool_use', id: `toolu_${crypto.randomUUID().replaceAll('-', '').slice(0, 20)}`, ...tool } : { type: 'text', text: finalText }
      const stop_reason = useTool ? 'tool_use' : 'end_turn'
      const model = String(body.model ?? 'claude-stand-in')
      if (body.stream) return new Response(stream(model, block, stop_reason), { headers: { 'content-type': 'text/event-stream' } })
      return Response.json({ id: 'msg_plain', type: 'message', role: 'assistant', model, content: [block], stop_reason, stop_sequence: null, usage: { input_tokens: 12, output_tokens: 7 } })
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, tool, requests, stop: () => void server.stop(true) }
}
