// A page's tab id: minted with the page, sent back as the `tab` signal, used to address that tab's toasts.
const TAB = /^[A-Za-z0-9-]{1,64}$/

export const newTabId = () => crypto.randomUUID()

/** The tab id in a Datastar signals object (a GET's `datastar` query, a POST's body), if it is one. */
export function tabOf(signals: unknown): string | undefined {
  let value = signals
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value)
    } catch {
      return undefined
    }
  }
  const tab = typeof value === 'object' && value !== null ? (value as { tab?: unknown }).tab : undefined
  return typeof tab === 'string' && TAB.test(tab) ? tab : undefined
}
