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

// Never stale: while the page's stream is down it says so, and it comes back whole. The beta retries a
// stream that fails (with backoff, ten times in a page's life); a stream that ends cleanly, or one past
// its retries, is not retried at all, so then the page waits for the server and reloads (a full snapshot).
const STREAM = 'stream'
const LIVE = new Set(['datastar-patch-elements', 'datastar-patch-signals'])
let reloading = false

function showOffline(text) {
  const banner = document.getElementById('offline')
  if (banner) {
    banner.textContent = text
    banner.hidden = text === ''
  }
  document.body.classList.toggle('is-offline', text !== '')
}

async function reloadWhenBack() {
  if (reloading) return
  reloading = true
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2000))
    try {
      if ((await fetch('/healthz', { cache: 'no-store' })).ok) return location.reload()
    } catch {
      // still down
    }
  }
}

document.addEventListener(SSE, (evt) => {
  const { type, elId } = evt.detail
  if (elId !== STREAM) return
  if (LIVE.has(type)) showOffline('')
  else if (type === 'retrying' || type === 'error') showOffline('Connection lost: reconnecting…')
  else if (type === 'finished' || type === 'retries-failed') {
    showOffline('Offline: waiting for the server…')
    void reloadWhenBack()
  }
})
