// Times that only grow (an agent's time in state, how long a question has waited) are counted here, from the
// epoch ms the server rendered into data-since: the server sends nothing while time passes, so a flush costs
// what changed and not one patch per badge per second. data-prefix is put before the duration.
const meta = document.querySelector('meta[name="server-now"]')
// This clock corrected to the server's, as of the page's render (a wrong clock here must not show "-3s").
const offset = meta ? Number(meta.content) - Date.now() || 0 : 0

/** "4s", "2m 05s", "1h 02m": as src/views/format.ts's duration(). */
function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
}

function paintOne(el) {
  const since = Number(el.dataset.since)
  if (!Number.isFinite(since)) return
  const text = (el.dataset.prefix ?? '') + duration(Date.now() + offset - since)
  // Unchanged text is left alone: writing it would be a mutation, and the observer below would answer it.
  if (el.textContent !== text) el.textContent = text
}

function paint() {
  for (const el of document.querySelectorAll('[data-since]')) paintOne(el)
}

paint()
setInterval(paint, 1000)
// Patched-in badges and cards, and morphed ones whose text or data-since changed, are counted at once: one pass
// per batch of changes (a whole list morphed is hundreds of records), over the page's few hundred times.
new MutationObserver(paint).observe(document.documentElement, {
  subtree: true,
  childList: true,
  characterData: true,
  attributes: true,
  attributeFilter: ['data-since'],
})
