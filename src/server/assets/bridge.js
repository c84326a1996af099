// Maps Datastar 1.0 wire events onto the 1.0.0-beta.11 client we serve (the 1.0 bundle is not on npm).
// The beta parses every `datastar-*` SSE event into a `datastar-sse` DOM event; we re-dispatch the 1.0
// names as the beta's merge/remove events, which its own plugins then apply.
const SSE = 'datastar-sse'
const MODES = { outer: 'morph', replace: 'outer', inner: 'inner', prepend: 'prepend', append: 'append', before: 'before', after: 'after' }

function redispatch(type, elId, argsRaw) {
  document.dispatchEvent(new CustomEvent(SSE, { detail: { type, elId, argsRaw } }))
}

document.addEventListener(SSE, (evt) => {
  const { type, elId, argsRaw } = evt.detail
  if (type === 'datastar-patch-elements') {
    const mode = argsRaw.mode || 'outer'
    if (mode === 'remove') {
      redispatch('datastar-remove-fragments', elId, { selector: argsRaw.selector || '' })
      return
    }
    const args = { fragments: argsRaw.elements || '', mergeMode: MODES[mode] || 'morph' }
    if (argsRaw.selector) args.selector = argsRaw.selector
    if (argsRaw.useViewTransition) args.useViewTransition = argsRaw.useViewTransition
    redispatch('datastar-merge-fragments', elId, args)
  } else if (type === 'datastar-patch-signals') {
    const args = { signals: argsRaw.signals || '{}' }
    if (argsRaw.onlyIfMissing) args.onlyIfMissing = argsRaw.onlyIfMissing
    redispatch('datastar-merge-signals', elId, args)
  }
})
