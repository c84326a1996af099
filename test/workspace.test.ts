// The bun:sqlite workspace against real files in a temp dir: reopening a file stands in for a restart.
import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteWorkspace } from '../src/workspace/sqlite'
import { WorkspaceCorrupt } from '../src/workspace/workspace'

const tempFile = (name = 'ws.db') => join(mkdtempSync(join(tmpdir(), 'switchboard-ws-')), name)

describe('sqlite workspace', () => {
  it('gets, sets, lists by prefix and deletes JSON values', () => {
    const ws = openSqliteWorkspace(tempFile())
    ws.set('a:1', { n: 1 })
    ws.set('a:2', [1, 'two'])
    ws.set('b:1', 'other')
    expect(ws.get<{ n: number }>('a:1')).toEqual({ n: 1 })
    expect(ws.get('missing')).toBeUndefined()
    expect(ws.list('a:')).toEqual([
      { key: 'a:1', value: { n: 1 } },
      { key: 'a:2', value: [1, 'two'] },
    ])
    ws.delete('a:1')
    expect(ws.get('a:1')).toBeUndefined()
    expect(ws.list('a:').map((e) => e.key)).toEqual(['a:2'])
    ws.close()
  })

  it('treats % and _ in a prefix literally', () => {
    const ws = openSqliteWorkspace(':memory:')
    ws.set('x%y:1', 1)
    ws.set('xzy:1', 2)
    ws.set('a_b:1', 3)
    ws.set('acb:1', 4)
    expect(ws.list('x%').map((e) => e.key)).toEqual(['x%y:1'])
    expect(ws.list('a_b').map((e) => e.key)).toEqual(['a_b:1'])
    ws.close()
  })

  it('rolls a transaction back when its function throws', () => {
    const ws = openSqliteWorkspace(':memory:')
    ws.set('k', 'before')
    expect(() =>
      ws.transaction(() => {
        ws.set('k', 'during')
        ws.set('other', 1)
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(ws.get<string>('k')).toBe('before')
    expect(ws.get('other')).toBeUndefined()
    expect(ws.transaction(() => (ws.set('k', 'after'), 42))).toBe(42)
    expect(ws.get<string>('k')).toBe('after')
    ws.close()
  })

  it('keeps values when the same file is reopened', () => {
    const path = tempFile()
    const first = openSqliteWorkspace(path)
    first.set('kept', { deep: { value: true } })
    first.close()
    const second = openSqliteWorkspace(path)
    expect(second.get<object>('kept')).toEqual({ deep: { value: true } })
    second.close()
  })

  it('reports a corrupt value with its key from get and skips it in list', () => {
    const path = tempFile()
    const corrupt: string[] = []
    const ws = openSqliteWorkspace(path, { onCorrupt: (key) => corrupt.push(key) })
    ws.set('q:good', 1)
    const raw = new Database(path)
    raw.run("INSERT INTO kv (key, value, updated_at) VALUES ('q:bad', '{not json', 0)")
    raw.close()
    let thrown: unknown
    try {
      ws.get('q:bad')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(WorkspaceCorrupt)
    expect((thrown as WorkspaceCorrupt).key).toBe('q:bad')
    expect(ws.list('q:')).toEqual([{ key: 'q:good', value: 1 }])
    expect(corrupt).toEqual(['q:bad'])
    ws.close()
  })

  it('creates the parent folders of a nested path', () => {
    const path = join(tempFile('unused'), '..', 'deep', 'er', 'ws.db')
    const ws = openSqliteWorkspace(path)
    ws.set('k', 1)
    ws.close()
    expect(existsSync(path)).toBe(true)
  })

  it('puts a file database in WAL mode so other processes can read while it writes', () => {
    const path = tempFile()
    openSqliteWorkspace(path).close()
    const raw = new Database(path)
    expect(raw.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal')
    raw.close()
  })

  it('closes idempotently', () => {
    const ws = openSqliteWorkspace(':memory:')
    ws.close()
    expect(() => ws.close()).not.toThrow()
  })
})
