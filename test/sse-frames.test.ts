// Golden frames, in the style of the Datastar SDK's own test cases: given encoder input, the exact text on the wire.
// The expected frames are written out literally (never computed with the encoder), so any change of format fails here.
import { describe, expect, it } from 'bun:test'
import { encodeFrame, heartbeat, patchElements, patchSignals, removeElements } from '../src/live/sse-encoder'

/** The lines of a frame as an EventSource sees them: CRLF, a lone LF and a lone CR each end a line. */
const sseLines = (frame: string) => frame.split(/\r\n|\r|\n/)

/** Every line of a frame is a field this project sends (`event:`, `data:`) or the blank line that ends the event. */
function expectOnlyEventAndDataLines(frame: string) {
  const lines = sseLines(frame)
  // "...\n\n" splits into the lines, then the blank line ending the event, then the empty rest.
  expect(lines.slice(-2)).toEqual(['', ''])
  const body = lines.slice(0, -2)
  // one event per frame, so no blank line before its end either
  expect(body.filter((line) => !line.startsWith('data: ') && !line.startsWith('event: '))).toEqual([])
}

/**
 * What the Datastar client rebuilds from one patch-elements frame: the `data: elements` lines of the
 * event, joined with LF (the way its vendored fetch-event-source splits lines, CR included).
 */
function elementsSeenByBrowser(frame: string): string {
  return sseLines(frame)
    .filter((line) => line.startsWith('data: elements '))
    .map((line) => line.slice('data: elements '.length))
    .join('\n')
}

describe('patchElements', () => {
  it('encodes single-line HTML as one event line and one elements line', () => {
    expect(patchElements({ html: '<div id="a">Hi</div>' })).toBe('event: datastar-patch-elements\ndata: elements <div id="a">Hi</div>\n\n')
  })

  it('gives each line of multi-line HTML its own data: elements line, indentation kept', () => {
    expect(patchElements({ html: '<ul id="l">\n  <li>one</li>\n</ul>' })).toBe(
      'event: datastar-patch-elements\n' + 'data: elements <ul id="l">\n' + 'data: elements   <li>one</li>\n' + 'data: elements </ul>\n' + '\n',
    )
  })

  it('puts the selector, then the mode, before the elements when appending', () => {
    expect(patchElements({ html: '<li id="c1">x</li>', selector: '#blocked-list', mode: 'append' })).toBe(
      'event: datastar-patch-elements\n' + 'data: selector #blocked-list\n' + 'data: mode append\n' + 'data: elements <li id="c1">x</li>\n' + '\n',
    )
  })

  it('encodes a prepend into a list the same way', () => {
    expect(patchElements({ html: '<li>new</li>', selector: '#event-list', mode: 'prepend' })).toBe(
      'event: datastar-patch-elements\n' + 'data: selector #event-list\n' + 'data: mode prepend\n' + 'data: elements <li>new</li>\n' + '\n',
    )
  })

  it('leaves out the default mode (outer) rather than sending it', () => {
    expect(patchElements({ html: '<p id="p">x</p>', mode: 'outer' })).toBe('event: datastar-patch-elements\ndata: elements <p id="p">x</p>\n\n')
  })

  it('sends an LF and a CRLF inside HTML as separate elements lines, adding no other kind of line', () => {
    const frame = patchElements({ html: '<p id="p">a\nb\r\nc</p>' })
    // CRLF is normalised to LF before encoding: only LF ends a line in what is sent.
    expect(frame).toBe('event: datastar-patch-elements\n' + 'data: elements <p id="p">a\n' + 'data: elements b\n' + 'data: elements c</p>\n' + '\n')
    expectOnlyEventAndDataLines(frame)
    expect(elementsSeenByBrowser(frame)).toBe('<p id="p">a\nb\nc</p>')
  })

  // Regression: the SDK splits HTML on LF only, so a lone CR went out raw inside a data line. An
  // EventSource (Datastar's vendored fetch-event-source too) ends a line at a lone CR, so a question
  // "Harmless?\rdata: selector #summary…\rdata: mode remove" removed panels on every open dashboard.
  it('sends a lone CR inside HTML without adding a line that is not a data line', () => {
    const html = '<p id="p">a\rb\nc\r\nd</p>'
    const frame = patchElements({ html })
    expect(frame).not.toContain('\r')
    expectOnlyEventAndDataLines(frame)
    // HTML itself reads CR and CRLF as LF, so that is all the browser may lose.
    expect(elementsSeenByBrowser(frame)).toBe('<p id="p">a\nb\nc\nd</p>')
  })

  it('refuses empty HTML (the SDK requires elements unless removing by selector)', () => {
    expect(() => patchElements({ html: '' })).toThrow('elements is required and cannot be empty')
  })
})

describe('a question that tries to inject frame lines with CR', () => {
  it('stays inside its elements lines', () => {
    const frame = patchElements({ html: '<p>Harmless?\rdata: selector #summary, #event-list\rdata: mode remove\r</p>' })
    expect(frame).toBe(
      'event: datastar-patch-elements\n' +
        'data: elements <p>Harmless?\n' +
        'data: elements data: selector #summary, #event-list\n' +
        'data: elements data: mode remove\n' +
        'data: elements </p>\n\n',
    )
  })
})

describe('removeElements', () => {
  it('sends the selector and mode remove, and no elements line', () => {
    expect(removeElements('#card-m1')).toBe('event: datastar-patch-elements\ndata: selector #card-m1\ndata: mode remove\n\n')
  })

  it('keeps a compound selector on one line', () => {
    expect(removeElements('#event-list > li:nth-child(n+201)')).toBe(
      'event: datastar-patch-elements\ndata: selector #event-list > li:nth-child(n+201)\ndata: mode remove\n\n',
    )
  })
})

describe('patchSignals', () => {
  it('sends the signals as one line of JSON, keys in insertion order', () => {
    expect(patchSignals({ blocked: 2 })).toBe('event: datastar-patch-signals\ndata: signals {"blocked":2}\n\n')
    expect(patchSignals({ tab: 't1', blocked: 0, responseDraft: { mm1: 'yes' } })).toBe(
      'event: datastar-patch-signals\ndata: signals {"tab":"t1","blocked":0,"responseDraft":{"mm1":"yes"}}\n\n',
    )
  })

  it('keeps line breaks inside signal values JSON-escaped on the one line', () => {
    const frame = patchSignals({ responseDraft: { mm1: 'a\nb\rc' } })
    expect(frame).toBe('event: datastar-patch-signals\ndata: signals {"responseDraft":{"mm1":"a\\nb\\rc"}}\n\n')
    expectOnlyEventAndDataLines(frame)
  })
})

describe('heartbeat', () => {
  it('is an SSE comment followed by a blank line', () => {
    expect(heartbeat()).toMatch(/^: heartbeat \d+\n\n$/)
  })
})

describe('encodeFrame', () => {
  it('joins the parts, in order, into UTF-8 bytes', () => {
    const bytes = encodeFrame([
      'event: datastar-patch-signals\ndata: signals {"blocked":1}\n\n',
      'event: datastar-patch-elements\ndata: elements <p id="p">…é</p>\n\n',
    ])
    expect(bytes).toBeInstanceOf(Uint8Array)
    expect(new TextDecoder().decode(bytes)).toBe(
      'event: datastar-patch-signals\ndata: signals {"blocked":1}\n\n' + 'event: datastar-patch-elements\ndata: elements <p id="p">…é</p>\n\n',
    )
    // 123 characters, 126 bytes: "…" is three bytes and "é" two
    expect(bytes.length).toBe(126)
  })

  it('encodes text as UTF-8, byte for byte', () => {
    expect([...encodeFrame(['a', '…', 'é\n'])]).toEqual([0x61, 0xe2, 0x80, 0xa6, 0xc3, 0xa9, 0x0a])
  })

  it('encodes no parts as no bytes', () => {
    expect(encodeFrame([])).toEqual(new Uint8Array())
  })

  it('carries encoder output unchanged', () => {
    const bytes = encodeFrame([removeElements('#card-m1'), patchSignals({ blocked: 0 })])
    expect(new TextDecoder().decode(bytes)).toBe(
      'event: datastar-patch-elements\ndata: selector #card-m1\ndata: mode remove\n\n' + 'event: datastar-patch-signals\ndata: signals {"blocked":0}\n\n',
    )
  })
})
