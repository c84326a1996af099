// The layout of DESIGN.md, checked on the source: no import runs up it.
import { describe, expect, it } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const SRC = resolve(import.meta.dir, '../src')
const PYTHON_CLIENT = resolve(import.meta.dir, '../clients/python')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [join(dir, d.name)] : [],
  )
}

/** Every `src/` folder a file imports from (relative imports only; packages are not layers). */
function importedLayers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => m[1]!)
  // A top-level file is its own layer, named without its extension (imports are written either way).
  return specs.map((spec) => relative(SRC, resolve(dirname(file), spec)).split('/')[0]!.replace(/\.tsx?$/, ''))
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!.replace(/\.tsx?$/, '')

/** What each layer must never import. */
const FORBIDDEN: Record<string, string[]> = {
  protocol: ['cluster', 'notify', 'events', 'machines', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'main', 'config'],
  client: ['cluster', 'notify', 'events', 'machines', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'main', 'config'],
  events: ['cluster', 'notify', 'machines', 'view-model', 'questions', 'live', 'views', 'server', 'inspector', 'demo'],
  machines: ['cluster', 'notify', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo'],
  'view-model': ['cluster', 'live', 'views', 'server', 'workspace', 'demo'],
  questions: ['cluster', 'notify', 'machines', 'view-model', 'live', 'views', 'server', 'inspector', 'demo'],
  workspace: ['cluster', 'notify', 'events', 'machines', 'view-model', 'questions', 'live', 'views', 'server', 'inspector', 'demo'],
  views: ['cluster', 'notify', 'live', 'server', 'questions', 'workspace', 'events', 'demo'],
  inspector: ['cluster', 'live', 'server', 'demo'],
  live: ['cluster', 'server', 'demo'],
  demo: ['cluster', 'server', 'live', 'views', 'questions', 'workspace'],
  // The MCP server turns a protocol into questions and events: the page and the HTTP server are above it.
  mcp: ['cluster', 'notify', 'machines', 'view-model', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'main', 'config'],
  // Outside protocols turn into events, checked by protocol/ alone; the server publishes them.
  otlp: ['cluster', 'notify', 'events', 'machines', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'main', 'config'],
  // The Remora bridge publishes onto the bus and asks through the question service; nothing above.
  bridges: ['cluster', 'notify', 'machines', 'view-model', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'otlp', 'main', 'config'],
  // Claude Code's hooks turn into events on the bus and questions; nothing above, and no other outside protocol.
  hooks: ['cluster', 'notify', 'machines', 'view-model', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'otlp', 'mcp', 'bridges', 'main', 'config'],
  // Webhooks read the stored events, nothing else: not the page, not the questions' records.
  notify: ['cluster', 'machines', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'main', 'config'],
  // Several instances on Redis: the shared log under the bus and the shared question records under the questions; nothing above them.
  cluster: ['notify', 'machines', 'view-model', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'main', 'config'],
  server: ['cluster'],
  // Metrics and logs: every layer reports into it, so it imports none of them.
  telemetry: ['cluster', 'protocol', 'events', 'machines', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'main', 'config'],
}

describe('layout', () => {
  const files = sourceFiles(SRC)

  it('finds the source', () => expect(files.length).toBeGreaterThan(40))

  it('has no import that runs up the layout', () => {
    const wrong = files.flatMap((file) => {
      const forbidden = FORBIDDEN[layerOf(file)] ?? []
      return importedLayers(file)
        .filter((layer) => forbidden.includes(layer))
        .map((layer) => `${relative(SRC, file)} imports ${layer}/`)
    })
    expect(wrong).toEqual([])
  })

  it('leaves the start order to switchboard.ts and the CLI to main.ts: only main.ts imports switchboard.ts, nothing imports main.ts', () => {
    const top = files.flatMap((f) => importedLayers(f).filter((l) => l === 'main' || (l === 'switchboard' && layerOf(f) !== 'main')).map((l) => `${relative(SRC, f)} → ${l}`))
    expect(top).toEqual([])
  })

  it('the SDK imports only protocol/ and itself', () => {
    const client = files.filter((f) => layerOf(f) === 'client')
    const outside = client.flatMap((f) => importedLayers(f).filter((l) => l !== 'client' && l !== 'protocol').map((l) => `${relative(SRC, f)} → ${l}`))
    expect(outside).toEqual([])
  })

  it('keeps files under ~300 lines', () => {
    const python = readdirSync(PYTHON_CLIENT).filter((f) => f.endsWith('.py')).map((f) => join(PYTHON_CLIENT, f))
    expect(python.length).toBeGreaterThan(0)
    // The Python client is one file by design (copied next to an agent), so it may run a little longer.
    const limit = (f: string) => (f.endsWith('/switchboard.py') ? 400 : 340)
    const long = [...files, ...python].filter((f) => readFileSync(f, 'utf8').split('\n').length > limit(f)).map((f) => relative(SRC, f))
    expect(long).toEqual([])
  })

  it('the SDK (built for Node, Deno and Bun) and the protocol files it ships use no Bun-only API', () => {
    const shipped = files.filter((f) => ['client', 'protocol'].includes(layerOf(f)))
    const bunOnly = shipped.filter((f) => /\bBun\.|from\s+'bun:|import\('bun:/.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f))
    expect(shipped.length).toBeGreaterThan(10)
    expect(bunOnly).toEqual([])
  })
})
