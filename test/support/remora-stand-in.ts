// A stand-in for `remora serve` on a real port: GET /events as its SSE (": open", then `event: <Type>` and
// `data: {kind, type, graph_id, agent_id, timestamp, payload}`), POST /input {request_id, response}.

export interface RemoraStandIn {
  url: string
  port: number
  /** connected /events streams now */
  clients(): number
  /** every POST /input body taken */
  inputs: Array<{ request_id: string; response: string }>
  /** send one event to every connected stream (and keep it, to send again after a restart when asked) */
  emit(type: string, kind: string, fields: Record<string, unknown>): void
  /** stop, dropping every stream; `start()` again on the same port */
  stop(): Promise<void>
  start(options?: { replay?: boolean }): void
}

export function remoraStandIn(): RemoraStandIn {
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>()
  const sent: string[] = []
  const open = new Set<string>()
  const inputs: RemoraStandIn['inputs'] = []
  const encoder = new TextEncoder()
  let server: ReturnType<typeof Bun.serve> | undefined
  let port = 0
  let replay = false

  const serve = () =>
    Bun.serve({
      port,
      hostname: '127.0.0.1',
      idleTimeout: 0,
      async fetch(request) {
        const path = new URL(request.url).pathname
        if (request.method === 'GET' && path === '/events') {
          let mine: ReadableStreamDefaultController<Uint8Array>
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              mine = controller
              controller.enqueue(encoder.encode(': open\n\n'))
              if (replay) for (const frame of sent) controller.enqueue(encoder.encode(frame))
              clients.add(controller)
            },
            cancel: () => void clients.delete(mine),
          })
          return new Response(stream, { headers: { 'content-type': 'text/event-stream' } })
        }
        if (request.method === 'POST' && path === '/input') {
          const body = (await request.json()) as { request_id: string; response: string }
          if (!open.has(body.request_id)) return Response.json({ error: `unknown request ${body.request_id}` }, { status: 400 })
          open.delete(body.request_id)
          inputs.push(body)
          return Response.json({ status: 'ok' })
        }
        return new Response('not found', { status: 404 })
      },
    })

  server = serve()
  port = server.port!
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    clients: () => clients.size,
    inputs,
    emit(type, kind, fields) {
      if (type === 'HumanInputRequestEvent') open.add(String(fields.request_id))
      const envelope = { kind, type, graph_id: fields.graph_id ?? null, agent_id: fields.agent_id ?? null, timestamp: fields.timestamp, payload: fields }
      const frame = `event: ${type}\ndata: ${JSON.stringify(envelope)}\n\n`
      sent.push(frame)
      for (const c of clients) c.enqueue(encoder.encode(frame))
    },
    async stop() {
      for (const c of clients) c.error(new Error('remora stopped'))
      clients.clear()
      await server?.stop(true)
      server = undefined
    },
    start(options = {}) {
      replay = options.replay ?? false
      server = serve()
    },
  }
}
