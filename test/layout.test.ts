// The layout of DESIGN.md, checked on the source: no import runs up it.
import { describe, expect, it } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'

const SRC = resolve(import.meta.dir, '../src')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? sourceFiles(join(dir, d.name)) : /\.tsx?$/.test(d.name) ? [join(dir, d.name)] : [],
  )
}

/** Every `src/` folder a file imports from (relative imports only; packages are not layers). */
function importedLayers(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/g)].map((m) => m[1]!)
  return specs.map((spec) => relative(SRC, resolve(dirname(file), spec)).split('/')[0]!)
}

const layerOf = (file: string) => relative(SRC, file).split('/')[0]!

/** What each layer must never import. */
const FORBIDDEN: Record<string, string[]> = {
  protocol: ['events', 'machines', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'main.ts', 'config.ts'],
  client: ['events', 'machines', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'main.ts', 'config.ts'],
  events: ['machines', 'view-model', 'questions', 'live', 'views', 'server', 'inspector', 'demo'],
  machines: ['view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo'],
  'view-model': ['live', 'views', 'server', 'workspace', 'demo'],
  questions: ['machines', 'view-model', 'live', 'views', 'server', 'inspector', 'demo'],
  workspace: ['events', 'machines', 'view-model', 'questions', 'live', 'views', 'server', 'inspector', 'demo'],
  views: ['live', 'server', 'questions', 'workspace', 'events', 'demo'],
  inspector: ['live', 'server', 'demo'],
  live: ['server', 'demo'],
  demo: ['server', 'live', 'views', 'questions', 'workspace'],
  // Metrics and logs: every layer reports into it, so it imports none of them.
  telemetry: ['protocol', 'events', 'machines', 'view-model', 'questions', 'workspace', 'live', 'views', 'server', 'inspector', 'demo', 'client', 'main.ts', 'config.ts'],
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

  it('the SDK imports only protocol/ and itself', () => {
    const client = files.filter((f) => layerOf(f) === 'client')
    const outside = client.flatMap((f) => importedLayers(f).filter((l) => l !== 'client' && l !== 'protocol').map((l) => `${relative(SRC, f)} → ${l}`))
    expect(outside).toEqual([])
  })

  it('keeps files under ~300 lines', () => {
    const long = files.filter((f) => readFileSync(f, 'utf8').split('\n').length > 340).map((f) => relative(SRC, f))
    expect(long).toEqual([])
  })
})
