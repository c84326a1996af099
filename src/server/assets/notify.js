// Noticing questions from another tab: the count in the title and a badge on the favicon, an opt-in
// desktop notification and beep for each card that arrives after the first paint, and focus kept in the
// queue when the card a person was answering leaves. The server's stream adds and removes the cards
// (Datastar morphs), so everything here follows the DOM. Agent names and questions are text: only
// textContent and the Notification's plain-text fields ever carry them.
const LIST = 'blocked-list'
const HEADING = 'h-questions'
const TOGGLE = 'alerts-toggle'
const STORE = 'switchboard.alerts'
const CARD = 'article.card'


function start(list, queue) {
  const baseTitle = document.title.replace(/^\(\d+\) /, '')
  const icon = document.querySelector('link[rel=icon]')
  // Cards already on the page when it loads are not news; a card is news once, whatever morphs do later.
  const seen = new Set([...list.querySelectorAll(CARD)].map((card) => card.id))
  let lastCount = -1
  let focusedCard = null

  const cards = () => list.querySelectorAll(CARD)

  function showCount() {
    const n = cards().length
    if (n === lastCount) return
    lastCount = n
    document.title = n > 0 ? `(${n}) ${baseTitle}` : baseTitle
    if (icon) icon.href = favicon(n)
  }

  document.addEventListener('focusin', (evt) => {
    focusedCard = evt.target instanceof Element ? evt.target.closest(CARD)?.id ?? null : null
  })

  /** The card being answered left: focus the card after it (or before it), else the queue's heading. */
  function keepFocus(removed, next, previous) {
    if (removed.id !== focusedCard || document.getElementById(removed.id)) return
    const active = document.activeElement
    if (active && active !== document.body && active.isConnected) return
    const after = (next?.matches?.(CARD) ? next : null) ?? (previous?.matches?.(CARD) ? previous : null) ?? list.querySelector(CARD)
    const target = after ?? document.getElementById(HEADING)
    focusedCard = after?.id ?? null
    target?.focus()
  }

  new MutationObserver((records) => {
    const fresh = []
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (!(node instanceof Element) || !node.matches(CARD) || seen.has(node.id)) continue
        seen.add(node.id)
        fresh.push(node)
      }
      for (const node of record.removedNodes) {
        if (node instanceof Element && node.matches(CARD)) keepFocus(node, record.nextSibling, record.previousSibling)
      }
    }
    showCount()
    if (fresh.length) alert(fresh)
  }).observe(queue, { childList: true, subtree: true })
  showCount()
  setUpToggle()
}

// --- Alerts: off until the person turns them on in this browser ---

let audio = null

function alertsOn() {
  return localStorage.getItem(STORE) === 'on'
}

function setUpToggle() {
  const toggle = document.getElementById(TOGGLE)
  if (!toggle) return
  toggle.checked = alertsOn()
  toggle.closest('[hidden]')?.removeAttribute('hidden')
  toggle.addEventListener('change', async () => {
    localStorage.setItem(STORE, toggle.checked ? 'on' : 'off')
    if (!toggle.checked) return
    // Both need the click itself: browsers start audio and ask for permission only on a user gesture.
    audio ??= new AudioContext()
    void audio.resume()
    if ('Notification' in window && Notification.permission === 'default') await Notification.requestPermission()
  })
}

function alert(fresh) {
  if (!alertsOn()) return
  beep()
  if (!('Notification' in window) || Notification.permission !== 'granted') return
  const card = fresh[fresh.length - 1]
  const from = card.querySelector('.name')?.textContent ?? 'an agent'
  const question = card.querySelector('.question')?.textContent ?? ''
  const title = fresh.length > 1 ? `${fresh.length} new questions` : `Question from ${from}`
  const note = new Notification(title, { body: question.slice(0, 200), tag: card.id })
  note.onclick = () => {
    window.focus()
    card.isConnected && card.focus()
    note.close()
  }
}

/** Two short tones, quiet: enough to turn a head, no audio file to fetch. */
function beep() {
  audio ??= new AudioContext()
  const t = audio.currentTime
  for (const [freq, at] of [[880, 0], [1320, 0.14]]) {
    const osc = audio.createOscillator()
    const gain = audio.createGain()
    osc.frequency.value = freq
    gain.gain.setValueAtTime(0.0001, t + at)
    gain.gain.exponentialRampToValueAtTime(0.15, t + at + 0.02)
    gain.gain.exponentialRampToValueAtTime(0.0001, t + at + 0.12)
    osc.connect(gain).connect(audio.destination)
    osc.start(t + at)
    osc.stop(t + at + 0.13)
  }
}

// --- Favicon: the logo, and the count on a badge while questions wait ---

const icons = new Map()

function favicon(n) {
  const key = Math.min(n, 10)
  if (icons.has(key)) return icons.get(key)
  const canvas = document.createElement('canvas')
  canvas.width = canvas.height = 32
  const ctx = canvas.getContext('2d')
  if (!ctx) return 'data:,'
  ctx.fillStyle = '#1d4ed8'
  ctx.beginPath()
  ctx.arc(14, 18, 11, 0, 2 * Math.PI)
  ctx.fill()
  ctx.fillStyle = '#fff'
  ctx.beginPath()
  ctx.arc(14, 18, 4.5, 0, 2 * Math.PI)
  ctx.fill()
  if (n > 0) {
    ctx.fillStyle = '#dc2626'
    ctx.beginPath()
    ctx.arc(23, 9, 9, 0, 2 * Math.PI)
    ctx.fill()
    ctx.fillStyle = '#fff'
    ctx.font = 'bold 13px system-ui, sans-serif'
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    ctx.fillText(n > 9 ? '9+' : String(n), 23, 10)
  }
  const url = canvas.toDataURL('image/png')
  icons.set(key, url)
  return url
}

// Last: everything above (module-level lets and consts) is initialised by now.
const list = document.getElementById(LIST)
const queue = list?.parentElement
if (list && queue) start(list, queue)
