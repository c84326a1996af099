// A question's context as HTML: markdown-it with raw HTML off (every `<` the agent wrote is escaped),
// links limited to http(s) and mailto, opened away from the dashboard.
import MarkdownIt from 'markdown-it'

const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false })
const SAFE_LINK = /^(https?:|mailto:)/i
// markdown-it's own check already refuses javascript:, vbscript:, file: and most data: URLs; narrower here.
md.validateLink = (url: string) => SAFE_LINK.test(url.trim())
const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options))
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!
  token.attrSet('rel', 'noopener noreferrer nofollow')
  token.attrSet('target', '_blank')
  return defaultLinkOpen(tokens, idx, options, env, self)
}
// Images would load from anywhere the agent names (and the CSP refuses them anyway): their alt text instead.
md.renderer.rules.image = (tokens, idx) => md.utils.escapeHtml(tokens[idx]!.content || 'image')

const cache = new Map<string, string>()
const CACHE_SIZE = 500

/** The markdown as HTML, safe to put in a page as is. Rendered once per distinct text. */
export function renderMarkdown(text: string): string {
  const hit = cache.get(text)
  if (hit !== undefined) return hit
  const html = md.render(text)
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!)
  cache.set(text, html)
  return html
}
