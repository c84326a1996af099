// Real agent frameworks from npm, run offline with their own test models, traced by their own OpenTelemetry
// instrumentation and exported over OTLP/HTTP (protobuf) to a Switchboard: the Vercel AI SDK (@ai-sdk/otel),
// LangGraph.js with OpenInference's LangChain instrumentation, @openai/agents with OpenInference's processor.
import * as agents from '@openai/agents'
import { Agent, run, setTracingDisabled, tool as agentTool, Usage, withGenerationSpan } from '@openai/agents'
import { OpenAIAgentsInstrumentation } from '@arizeai/openinference-instrumentation-openai-agents'
import { LangChainInstrumentation } from '@arizeai/openinference-instrumentation-langchain'
import * as CallbackManagerModule from '@langchain/core/callbacks/manager'
import { BaseChatModel } from '@langchain/core/language_models/chat_models'
import { AIMessage } from '@langchain/core/messages'
import { tool as lcTool } from '@langchain/core/tools'
import { Annotation, END, START, StateGraph } from '@langchain/langgraph'
import { createReactAgent } from '@langchain/langgraph/prebuilt'
import { OpenTelemetry } from '@ai-sdk/otel'
import { generateText, stepCountIs, tool as aiTool } from 'ai'
import { MockLanguageModelV4 } from 'ai/test'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace'
import { z } from 'zod'

export type Processor = 'simple' | 'batch'
export const SERVICE = 'switchboard-test'
export const TOOL_ERROR = 'lookup failed: no such item'

/** A tracer provider exporting to Switchboard as the processor does (batch: every 50 ms), and to memory (to learn the trace ids). */
export function tracing(url: string, processor: Processor) {
  const memory = new InMemorySpanExporter()
  const exporter = new OTLPTraceExporter({ url: `${url}/v1/traces` })
  const toSwitchboard = processor === 'simple' ? new SimpleSpanProcessor({ exporter }) : new BatchSpanProcessor({ exporter, scheduledDelayMillis: 50 })
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': SERVICE }), spanProcessors: [new SimpleSpanProcessor({ exporter: memory }), toSwitchboard] })
  return {
    provider,
    /** Everything exported (the exporter's requests answered), and the ids of the traces it made. */
    async done(): Promise<string[]> {
      await provider.forceFlush()
      const traces = [...new Set(memory.getFinishedSpans().map((s) => s.spanContext().traceId))]
      await provider.shutdown()
      return traces
    },
  }
}

type Provider = ReturnType<typeof tracing>['provider']
const usageOf = (input: number, output: number) => ({ inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined }, outputTokens: { total: output, text: output, reasoning: undefined } })

/** generateText with a tool, traced by @ai-sdk/otel: `model-fails` makes the second model call throw. */
export async function aiSdk(provider: Provider, outcome: 'ok' | 'tool-fails' | 'model-fails'): Promise<void> {
  const step = (content: unknown[], reason: string) => ({ content, finishReason: { unified: reason, raw: undefined }, usage: usageOf(10, 5), warnings: [] })
  const replies = [step([{ type: 'tool-call', toolCallId: 'call-1', toolName: 'weather', input: '{"city":"Paris"}' }], 'tool-calls'), step([{ type: 'text', text: 'It is 72F in Paris.' }], 'stop')]
  let calls = 0
  const model = new MockLanguageModelV4({
    doGenerate: async () => {
      if (outcome === 'model-fails' && calls === 1) throw new Error('model overloaded')
      return replies[Math.min(calls++, 1)] as never
    },
  })
  const weather = aiTool({
    description: 'The weather in a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      if (outcome === 'tool-fails') throw new Error('weather service down')
      return { temperature: 72, city }
    },
  })
  const telemetry = { functionId: 'weather-agent', integrations: new OpenTelemetry({ tracer: provider.getTracer('ai') }) }
  await generateText({ model, prompt: 'Weather in Paris?', stopWhen: stepCountIs(3), tools: { weather }, telemetry } as never).catch(() => undefined)
}

/** A chat model that answers from a script, with token usage, and takes tools (LangChain's fakes do not). */
class ScriptedChat extends BaseChatModel {
  private at = 0
  constructor(private readonly replies: AIMessage[]) {
    super({})
  }
  _llmType() {
    return 'scripted'
  }
  override bindTools() {
    return this as never
  }
  async _generate() {
    const message = this.replies[Math.min(this.at++, this.replies.length - 1)]!
    return { generations: [{ text: String(message.content), message }], llmOutput: { tokenUsage: { promptTokens: 30, completionTokens: 7, totalTokens: 37 } } }
  }
}

const langchain = new LangChainInstrumentation()
langchain.manuallyInstrument(CallbackManagerModule as never)

/** LangGraph.js: createReactAgent calling `lookup` once (`react`), or a StateGraph plan → call_model → run_tool → report. */
export async function langGraph(provider: Provider, shape: 'react' | 'graph', fail: boolean): Promise<void> {
  langchain.setTracerProvider(provider)
  const lookup = lcTool(
    async ({ query }: { query: string }) => {
      if (fail) throw new Error(TOOL_ERROR)
      return `widgets: 12 (${query})`
    },
    { name: 'lookup', description: 'Look an item up', schema: z.object({ query: z.string() }) },
  )
  if (shape === 'react') {
    const llm = new ScriptedChat([new AIMessage({ content: '', tool_calls: [{ id: 'c1', name: 'lookup', args: { query: 'widgets' } }] }), new AIMessage('There are 12 widgets.')])
    await createReactAgent({ llm: llm as never, tools: [lookup] }).invoke({ messages: [{ role: 'user', content: 'How many widgets?' }] })
    return
  }
  const llm = new ScriptedChat([new AIMessage('a plan'), new AIMessage('a report')])
  const State = Annotation.Root({ text: Annotation<string>() })
  const graph = new StateGraph(State)
    .addNode('plan', async () => ({ text: 'plan' }))
    .addNode('call_model', async (s) => ({ text: String((await llm.invoke(s.text)).content) }))
    .addNode('run_tool', async () => ({ text: String(await lookup.invoke({ query: 'widgets' })) }))
    .addNode('report', async (s) => ({ text: String((await llm.invoke(s.text)).content) }))
    .addEdge(START, 'plan')
    .addEdge('plan', 'call_model')
    .addEdge('call_model', 'run_tool')
    .addEdge('run_tool', 'report')
    .addEdge('report', END)
    .compile()
  await graph.invoke({ text: '' }, { runName: 'triage' }).catch(() => undefined)
}

/** A Model that answers from a script inside a generation span, as the SDK's OpenAI models do. */
function scripted(outputs: unknown[][]) {
  let at = 0
  return {
    getResponse: () =>
      withGenerationSpan(async (span) => {
        span.spanData.model = 'scripted'
        const output = outputs[Math.min(at++, outputs.length - 1)]!
        span.spanData.output = output as never
        span.spanData.usage = { input_tokens: 30, output_tokens: 7 }
        return { usage: new Usage({ requests: 1, inputTokens: 30, outputTokens: 7, totalTokens: 37 }), output, responseId: `r${at}` } as never
      }),
    async *getStreamedResponse() {
      throw new Error('not scripted')
    },
  }
}
const say = (text: string) => ({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text }] })
const call = (name: string, args: string, callId: string) => ({ type: 'function_call', callId, name, arguments: args, status: 'completed' })

// Exclusive: the OpenInference processor replaces the SDK's own exporter (nothing goes to OpenAI). Once per process:
// instrumenting again is a no-op, so each run sets its provider.
const openaiInstrumentation = new OpenAIAgentsInstrumentation()
openaiInstrumentation.manuallyInstrument(agents as never)

/** The instrumentations off again (bun runs every test file in one process): other files see the frameworks untraced. */
export function untrace(): void {
  openaiInstrumentation.uninstrument?.()
  setTracingDisabled(true)
  langchain.disable()
}

/** @openai/agents with a scripted model: one agent with a tool (which may fail the run), or Triage handing off to Billing. */
export async function openaiAgents(provider: Provider, shape: 'one' | 'one-fails' | 'handoff'): Promise<void> {
  openaiInstrumentation.setTracerProvider(provider)
  // The SDK turns its tracing off under NODE_ENV=test (bun test sets it).
  setTracingDisabled(false)
  const weather = agentTool({
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: z.object({ city: z.string() }),
    execute: async ({ city }: { city: string }) => {
      if (shape === 'one-fails') throw new Error('weather service down')
      return `sunny in ${city}`
    },
    // null: a tool's error fails the run instead of going back to the model
    ...(shape === 'one-fails' ? { errorFunction: null } : {}),
  } as never)
  if (shape !== 'handoff') {
    const assistant = new Agent({ name: 'Assistant', instructions: 'Help.', model: scripted([[call('get_weather', '{"city":"Paris"}', 'c1')], [say('It is sunny in Paris.')]]) as never, tools: [weather] })
    await run(assistant, 'Weather in Paris?').catch(() => undefined)
    return
  }
  const billing = new Agent({ name: 'Billing', instructions: 'Bill.', model: scripted([[call('get_weather', '{"city":"Oslo"}', 'c2')], [say('Refunded.')]]) as never, tools: [weather] })
  const triage = new Agent({ name: 'Triage', instructions: 'Route.', model: scripted([[call('transfer_to_Billing', '{}', 'h1')]]) as never, handoffs: [billing] })
  await run(triage, 'A refund, please.')
}
